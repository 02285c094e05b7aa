// @notify/db barrel
export {};
