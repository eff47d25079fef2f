namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>The transmitter's discovery documents (its JWKS and its SSF configuration metadata) and its stream-management API.</summary>
internal static class SharedSignalsEndpoints
{
    public const string JwksPath = "/.well-known/jwks.json";
    public const string ConfigurationPath = "/.well-known/ssf-configuration";

    /// <summary>
    /// GET /.well-known/jwks.json (every key a receiver may need, during a rotation both), GET
    /// /.well-known/ssf-configuration (also under the issuer's path, as SSF 1.0 §7.2 places it for issuers with one) and
    /// the stream-management API. Does nothing when the Shared Signals driver is not enabled.
    /// </summary>
    internal static IEndpointRouteBuilder MapSharedSignals(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetService<SharedSignalsOptions>();
        if (options is null)
        {
            return endpoints;
        }

        endpoints.MapGet(JwksPath, async (SsfSigningKeys keys, HttpContext context) =>
            Results.Text(SigningKeyRing.Jwks(await keys.PublishedAsync(context.RequestAborted)), "application/json")).ExcludeFromDescription();

        var configuration = Configuration(options);
        endpoints.MapGet(ConfigurationPath, () => Results.Text(configuration, "application/json")).ExcludeFromDescription();
        var issuerPath = options.Issuer!.AbsolutePath.TrimEnd('/');
        if (issuerPath.Length > 0)
        {
            endpoints.MapGet(ConfigurationPath + issuerPath, () => Results.Text(configuration, "application/json")).ExcludeFromDescription();
        }

        SsfStreamEndpoints.Map(endpoints);
        return endpoints;
    }

    internal static string Configuration(SharedSignalsOptions options)
    {
        var metadata = new JsonObject
        {
            ["spec_version"] = "1_0",
            ["issuer"] = options.IssuerId(),
            ["jwks_uri"] = options.EffectiveJwksUri().ToString(),
            ["delivery_methods_supported"] = new JsonArray(SsfDelivery.PushMethod, SsfDelivery.PollMethod),
        };
        if (options.Clients.Count > 0)
        {
            // Receivers register themselves; the management API is authenticated with each receiver's bearer token.
            var root = options.EffectivePublicUrl();
            metadata["configuration_endpoint"] = new Uri(root, SsfStreamEndpoints.StreamsPath).ToString();
            metadata["status_endpoint"] = new Uri(root, SsfStreamEndpoints.StatusPath).ToString();
            metadata["add_subject_endpoint"] = new Uri(root, SsfStreamEndpoints.AddSubjectPath).ToString();
            metadata["remove_subject_endpoint"] = new Uri(root, SsfStreamEndpoints.RemoveSubjectPath).ToString();
            metadata["verification_endpoint"] = new Uri(root, SsfStreamEndpoints.VerifyPath).ToString();
            metadata["authorization_schemes"] = new JsonArray(new JsonObject { ["spec_urn"] = "urn:ietf:rfc:6750" });
        }

        metadata["default_subjects"] = options.DefaultSubjects;
        return metadata.ToJsonString();
    }
}
