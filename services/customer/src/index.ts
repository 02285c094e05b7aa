// @notify/customer barrel
export {};
