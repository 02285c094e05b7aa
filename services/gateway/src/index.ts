// @notify/gateway barrel
export {};
