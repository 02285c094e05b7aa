// @notify/config barrel
export {};
