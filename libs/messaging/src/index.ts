// @notify/messaging barrel
export {};
