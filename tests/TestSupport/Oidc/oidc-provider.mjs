// A real OpenID Connect provider for the console's sign-in tests: the certified oidc-provider package with its
// development login and consent pages, dynamic client registration (RFC 7591), PKCE required, and four users whose
// "roles" claim the Responder maps to its roles. Usage: node oidc-provider.mjs PORT [LISTEN-ADDRESS]; the issuer is
// always http://127.0.0.1:PORT (in a container the port is published on the same number).
import Provider from "oidc-provider";

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;
const users = {
  ana: { preferred_username: "ana", email: "ana@acme.example", roles: ["soc-analyst"] },
  rex: { preferred_username: "rex", email: "rex@acme.example", roles: ["soc-analyst", "soc-responder"] },
  vic: { preferred_username: "vic", email: "vic@acme.example", roles: ["viewer"] },
  nora: { preferred_username: "nora", email: "nora@acme.example", roles: ["marketing"] },
};

const provider = new Provider(issuer, {
  clients: [],
  features: { registration: { enabled: true }, devInteractions: { enabled: true } },
  claims: { openid: ["sub"], profile: ["preferred_username"], email: ["email"], roles: ["roles"] },
  scopes: ["openid", "profile", "email", "roles"],
  pkce: { required: () => true },
  // The claims of the scopes granted go into the ID token too, not only the user-info endpoint.
  conformIdTokenClaims: false,
  cookies: { keys: ["ztstream-test-provider-cookie-key"] },
  async findAccount(ctx, sub) {
    const user = users[sub];
    return user ? { accountId: sub, async claims() { return { sub, ...user }; } } : undefined;
  },
});

provider.listen(port, process.argv[3] ?? "127.0.0.1", () => console.log(`listening ${issuer}`));
