// @notify/logger barrel
export {};
