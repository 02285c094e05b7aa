// @notify/paging: opaque keyset page tokens and page-size rules shared by the services'
// List* use cases (pure; depends only on @notify/errors).
export * from './page-token';
