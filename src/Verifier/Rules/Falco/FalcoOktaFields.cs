namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// The okta plugin's <c>okta.*</c> fields (falcosecurity/plugins, <c>plugins/okta/pkg/okta/okta.go</c>), read from
/// the Okta System Log <c>LogEvent</c> kept on the event, with Okta's own member names. A member the event does not
/// have, or has as null, is no value (<c>&lt;NA&gt;</c> in outputs, every comparison false).
/// </summary>
internal static partial class FalcoFieldCatalog
{
    /// <summary>Fields a plugin defines that ZtStream cannot give a true value for: an error naming why, never a wrong value.</summary>
    private static readonly Dictionary<string, string> Unsupported = new(StringComparer.Ordinal)
    {
        ["okta.org"] = "it is the okta plugin's configured organization (its 'organization' setting), which an Okta LogEvent does not carry",
    };

    private static void AddOkta(Dictionary<string, Spec> f)
    {
        var okta = FalcoSource.Okta;
        void Path(string name, params string[] path) => f[name] = Spec.PluginPath(okta, path);
        void Target(string name, string type, string member) =>
            f[name] = new Spec(Arg.None, (t, _, _, slots) => new FalcoOktaTargetField(t, slots, type, member), okta);
        void Mfa(string name) =>
            f[name] = new Spec(Arg.RequiredIndex, (t, _, seconds, slots) =>
            {
                slots.UseOktaMfa();
                return new FalcoOktaMfaField(t, seconds);
            }, okta);

        f["okta.app"] = Spec.Computed(okta, OktaApp);
        Path("okta.evt.type", "eventType");
        Path("okta.evt.legacytype", "legacyEventType");
        Path("okta.severity", "severity");
        Path("okta.message", "displayMessage");
        Path("okta.published", "published");

        // The plugin spells this one with a capital T; Falco field names are case-sensitive.
        Path("okta.actor.Type", "actor", "type");
        Path("okta.actor.id", "actor", "id");
        Path("okta.actor.alternateid", "actor", "alternateId");
        Path("okta.actor.name", "actor", "displayName");
        Path("okta.client.zone", "client", "zone");
        Path("okta.client.ip", "client", "ipAddress");
        Path("okta.client.device", "client", "device");
        Path("okta.client.id", "client", "id");
        Path("okta.client.geo.city", "client", "geographicalContext", "city");
        Path("okta.client.geo.state", "client", "geographicalContext", "state");
        Path("okta.client.geo.country", "client", "geographicalContext", "country");
        Path("okta.client.geo.postalcode", "client", "geographicalContext", "postalCode");
        Path("okta.client.geo.lat", "client", "geographicalContext", "geolocation", "lat");

        // The plugin decodes the longitude from "lonDe", a member Okta never writes; its description (and Okta) mean "lon".
        Path("okta.client.geo.lon", "client", "geographicalContext", "geolocation", "lon");
        Path("okta.useragent.os", "client", "userAgent", "os");
        Path("okta.useragent.browser", "client", "userAgent", "browser");
        Path("okta.useragent.raw", "client", "userAgent", "rawUserAgent");
        Path("okta.result", "outcome", "result");
        Path("okta.reason", "outcome", "reason");
        Path("okta.transaction.id", "transaction", "id");
        Path("okta.transaction.type", "transaction", "type");
        Path("okta.requesturi", "debugContext", "debugData", "requestUri");
        Path("okta.principal.id", "debugContext", "debugData", "originalPrincipal", "id");
        Path("okta.principal.alternateid", "debugContext", "debugData", "originalPrincipal", "alternateId");
        Path("okta.principal.type", "debugContext", "debugData", "originalPrincipal", "type");
        Path("okta.principal.name", "debugContext", "debugData", "originalPrincipal", "displayName");
        Path("okta.authentication.step", "authenticationContext", "authenticationStep");
        Path("okta.authentication.sessionid", "authenticationContext", "externalSessionId");
        Path("okta.security.asnumber", "securityContext", "asNumber");
        Path("okta.security.asorg", "securityContext", "asOrg");
        Path("okta.security.isp", "securityContext", "isp");
        Path("okta.security.domain", "securityContext", "domain");
        Target("okta.target.user.id", "User", "id");
        Target("okta.target.user.alternateid", "User", "alternateId");
        Target("okta.target.user.name", "User", "displayName");
        Target("okta.target.group.id", "UserGroup", "id");
        Target("okta.target.group.alternateid", "UserGroup", "alternateId");
        Target("okta.target.group.name", "UserGroup", "displayName");
        Target("okta.target.app.alternateid", "AppInstance", "alternateId");

        // Both count the current event's type: on a denied push, okta.mfa.failure.countlast counts denied pushes too.
        Mfa("okta.mfa.failure.countlast");
        Mfa("okta.mfa.deny.countlast");
    }

    /// <summary><c>okta.app</c>: for a request URI under <c>/app/</c>, its next segment (the plugin's <c>strings.Split(uri, "/")[2]</c>).</summary>
    private static FalcoComputedField.Compute OktaApp(FalcoSlots slots) =>
        Derived(slots.Path("debugContext", "debugData", "requestUri"), uri =>
        {
            if (uri.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            var text = FalcoJson.Utf8(uri);
            if (!text.StartsWith("/app/"u8))
            {
                return null;
            }

            var rest = text["/app/".Length..];
            var slash = rest.IndexOf((byte)'/');
            return (slash < 0 ? rest : rest[..slash]).ToArray();
        });
}

/// <summary>
/// <c>okta.target.{user,group,app}.*</c>: a member of the event's target of one type (<c>User</c>, <c>UserGroup</c>,
/// <c>AppInstance</c>). Single-valued as in the plugin, which sets the value for each target of the type in turn, so
/// the last such target's member is the value; no target of the type is no value.
/// </summary>
internal sealed class FalcoOktaTargetField(string text, FalcoSlots slots, string type, string member) : FalcoField(text, isList: false)
{
    private readonly FalcoRootPath targets = slots.Path("target");
    private readonly byte[] type = Encoding.UTF8.GetBytes(type);
    private readonly byte[] member = Encoding.UTF8.GetBytes(member);

    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        present = false;
        if (!targets.TryGetElements(e, out var list))
        {
            return false;
        }

        JsonElement last = default;
        foreach (var target in list)
        {
            if (target.ValueKind == JsonValueKind.Object && target.TryGetProperty("type"u8, out var t) && t.ValueKind == JsonValueKind.String && t.ValueEquals(type))
            {
                last = target.TryGetProperty(member, out var v) ? v : default;
            }
        }

        present = last.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null);
        return present && test.Test(FalcoJson.Utf8(last));
    }
}
