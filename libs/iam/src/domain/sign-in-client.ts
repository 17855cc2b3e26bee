/**
 * Which kind of client a sign-in's redirect URI belongs to. The mobile app uses a private-use
 * URI scheme (RFC 8252 §7.1, `com.heyblue.app:/oauth2redirect`); a web redirect (http/https)
 * is the admin dashboard in a browser, which is never the device a phone is bound to.
 */
export function isWebRedirect(redirectUri: string): boolean {
  return /^https?:\/\//i.test(redirectUri);
}
