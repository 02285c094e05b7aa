// @notify/template barrel
export {};
