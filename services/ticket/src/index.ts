// @notify/ticket barrel
export {};
