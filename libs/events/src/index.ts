// @notify/events barrel
export {};
