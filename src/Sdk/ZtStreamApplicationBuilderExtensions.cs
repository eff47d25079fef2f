using Microsoft.AspNetCore.Builder;
using ZtStream.Sdk.AspNetCore;

namespace ZtStream.Sdk;

/// <summary>Adds the ZtStream middleware to the request pipeline.</summary>
public static class ZtStreamApplicationBuilderExtensions
{
    /// <summary>
    /// Records an <c>access.request</c> event for every authenticated request and rejects revoked tokens, sessions and
    /// subjects with 401 <c>WWW-Authenticate: Bearer error="invalid_token", error_description="revoked"</c>. Place it
    /// after <c>UseAuthentication()</c> (it needs the validated user) and before <c>UseAuthorization()</c> and the
    /// endpoints. Requires <see cref="ZtStreamServiceCollectionExtensions.AddZtStream"/>.
    /// </summary>
    public static IApplicationBuilder UseZtStream(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<ZtStreamMiddleware>();
    }
}
