// Lazily loaded script: the URLPattern implementation (urlpattern-polyfill). Its completion value is its exports.
export { URLPattern } from 'urlpattern-polyfill/urlpattern';
