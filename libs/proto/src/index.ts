// @notify/proto barrel
export {};
