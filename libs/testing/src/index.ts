// @notify/testing barrel
export {};
