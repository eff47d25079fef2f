using Microsoft.AspNetCore.HttpOverrides;

namespace ZtStream.Platform.Proxy;

/// <summary>
/// ASP.NET Core's Forwarded Headers Middleware, fed from section <c>ForwardedHeaders</c>: behind a trusted proxy the
/// request's scheme and client address become the ones the proxy saw, so the console cookie is Secure, the sign-in
/// redirect URI is https and logs and limits name the client; from any other address the headers change nothing.
/// </summary>
internal static class ForwardedHeadersHosting
{
    public static IServiceCollection AddForwardedHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(ForwardedHeadersSettings.Section);
        services.AddValidatedOptions<ForwardedHeadersSettings, ForwardedHeadersSettingsValidator>(section);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((o, s) => Apply(s.Value, o));
        return services;
    }

    /// <summary>First in the pipeline, so everything after it sees the client's scheme and address.</summary>
    public static WebApplication UseTrustedForwardedHeaders(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value;
        if (settings.Active)
        {
            if (string.Equals(settings.Header, ForwardedHeadersSettings.Forwarded, StringComparison.OrdinalIgnoreCase))
            {
                app.Use(static (context, next) =>
                {
                    Rfc7239.ToXForwarded(context.Request.Headers);
                    return next(context);
                });
            }

            app.UseForwardedHeaders();
        }

        return app;
    }

    private static void Apply(ForwardedHeadersSettings settings, ForwardedHeadersOptions options)
    {
        options.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
        options.ForwardLimit = settings.ForwardLimit;
        if (settings.KnownProxies.Length == 0 && settings.KnownNetworks.Length == 0)
        {
            // The middleware's own default: a proxy on loopback (a sidecar) only. ASP.NET Core's environment switch
            // alone would trust every address; ZtStream never does that without being told which.
            return;
        }

        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in settings.KnownProxies)
        {
            if (ForwardedHeadersSettingsValidator.TryParseAddress(proxy, out var address))
            {
                options.KnownProxies.Add(address);
            }
        }

        foreach (var text in settings.KnownNetworks)
        {
            if (ForwardedHeadersSettingsValidator.TryParseNetwork(text, out var network))
            {
                options.KnownIPNetworks.Add(network);
            }
        }
    }
}
