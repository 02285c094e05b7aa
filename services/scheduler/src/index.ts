// @notify/scheduler barrel
export {};
