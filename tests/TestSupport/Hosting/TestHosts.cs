using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ZtStream.TestSupport.Hosting;

/// <summary>
/// A generic host as a component's registration tests build it: its configuration the test's settings alone (no
/// environment variables, no appsettings, no logging providers of the machine it runs on), and its refusal at start read
/// as the one <see cref="OptionsValidationException"/> listing every problem.
/// </summary>
public static class TestHosts
{
    /// <summary>A host builder without the defaults, its configuration <paramref name="settings"/>.</summary>
    public static HostApplicationBuilder Builder(IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        return builder;
    }

    /// <summary>Builds <paramref name="builder"/>'s host, which must refuse to start: the exception that stopped it.</summary>
    public static async Task<OptionsValidationException> RefusedAtStartAsync(HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        using var host = builder.Build();
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestCancellation.Ct));
    }
}
