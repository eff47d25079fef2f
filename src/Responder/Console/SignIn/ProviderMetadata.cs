using Microsoft.IdentityModel.Protocols;

namespace ZtStream.Responder.Console.SignIn;

/// <summary>
/// The provider's discovery document or JWKS could not be fetched, and none was fetched before; the next fetch is tried
/// after <see cref="RetryAfter"/>.
/// </summary>
internal sealed class ProviderMetadataUnavailableException(string message, TimeSpan retryAfter, Exception inner) : Exception(message, inner)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The sign-in provider's discovery document and JWKS, kept for the OpenID Connect handler in place of
/// IdentityModel's <c>ConfigurationManager</c>, which times its refreshes by the wall clock and takes no
/// <see cref="TimeProvider"/>: after a step back it would see a key the provider added (rotation) or removed
/// (compromise) late by the length of the step. Here every span is monotonic (<see cref="TimeProvider.GetTimestamp"/>):
/// the metadata is fetched again <see cref="BaseConfigurationManager.AutomaticRefreshInterval"/> (12 h) after the last
/// fetch; <see cref="RequestRefresh"/> (the token handler's call for a token whose key it does not know, before it
/// tries once more) makes the next read fetch, honoured at most once per
/// <see cref="BaseConfigurationManager.RefreshInterval"/> (5 min) so forged kids cannot drive traffic to the provider;
/// a failed fetch keeps the last good metadata and is tried again after that interval. Fetches go through the
/// handler's backchannel with its <c>RequireHttpsMetadata</c>.
/// </summary>
/// <remarks>
/// A <see cref="BaseConfigurationManager"/>, so that the token handler hands the metadata a token was checked against
/// to <see cref="IdTokenRules"/> and asks for a refresh itself; without its "last known good" metadata, whose lifetime
/// is on the wall clock and would keep a withdrawn key verifying after the refresh that removed it.
/// </remarks>
internal sealed class ProviderMetadata : BaseConfigurationManager, IConfigurationManager<OpenIdConnectConfiguration>
{
    private readonly OpenIdConnectOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<ProviderMetadata> logger;
    private readonly SemaphoreSlim fetching = new(1, 1);
    private readonly Lock refreshLock = new();
    private Fetched? current;
    private Failure? failure;
    private long? refreshHonouredAt;
    private bool refreshDue;

    /// <param name="address">The discovery document's URL.</param>
    /// <param name="options">
    /// The handler's options, with its refresh intervals; the backchannel is read when fetching, since the handler's
    /// post-configuration makes it after this is constructed.
    /// </param>
    public ProviderMetadata(string address, OpenIdConnectOptions options, TimeProvider time, ILogger<ProviderMetadata> logger)
    {
        MetadataAddress = address;
        AutomaticRefreshInterval = options.AutomaticRefreshInterval;
        RefreshInterval = options.RefreshInterval;
        UseLastKnownGoodConfiguration = false;
        this.options = options;
        this.time = time;
        this.logger = logger;
    }

    private sealed record Fetched(OpenIdConnectConfiguration Configuration, long At);

    private sealed record Failure(long At, Exception Exception);

    public override async Task<BaseConfiguration> GetBaseConfigurationAsync(CancellationToken cancel) => await GetConfigurationAsync(cancel);

    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        if (Usable() is { } hit)
        {
            return hit;
        }

        await fetching.WaitAsync(cancel);
        try
        {
            // Another sign-in may have fetched while this one waited.
            if (Usable() is { } fetched)
            {
                return fetched;
            }

            var now = time.GetTimestamp();
            if (current is null && failure is { } recent && time.GetElapsedTime(recent.At, now) < RefreshInterval)
            {
                throw Unavailable(recent.Exception, RefreshInterval - time.GetElapsedTime(recent.At, now));
            }

            lock (refreshLock)
            {
                refreshDue = false;
            }

            try
            {
                var retriever = new HttpDocumentRetriever(options.Backchannel) { RequireHttps = options.RequireHttpsMetadata };
                var configuration = await OpenIdConnectConfigurationRetriever.GetAsync(MetadataAddress, retriever, cancel);
                Volatile.Write(ref current, new Fetched(configuration, now));
                Volatile.Write(ref failure, null);
                ResponderLog.ProviderMetadataFetched(logger, MetadataAddress, configuration.SigningKeys.Count);
                return configuration;
            }
            catch (Exception exception) when (exception is IOException or HttpRequestException or ArgumentException or InvalidOperationException or TaskCanceledException
                                              && !cancel.IsCancellationRequested)
            {
                Volatile.Write(ref failure, new Failure(now, exception));
                if (current is { } lastGood)
                {
                    // A provider outage must not stop sign-ins with the keys it published last.
                    ResponderLog.ProviderMetadataFetchFailed(logger, exception, MetadataAddress, lastGood.Configuration.SigningKeys.Count);
                    return lastGood.Configuration;
                }

                ResponderLog.ProviderMetadataUnavailable(logger, exception, MetadataAddress);
                throw Unavailable(exception, RefreshInterval);
            }
        }
        finally
        {
            fetching.Release();
        }
    }

    /// <summary>The handler met a token whose key it does not know: the next read fetches, if none was asked for within the refresh interval.</summary>
    public override void RequestRefresh()
    {
        var now = time.GetTimestamp();
        lock (refreshLock)
        {
            if (refreshHonouredAt is { } last && time.GetElapsedTime(last, now) < RefreshInterval)
            {
                return;
            }

            refreshHonouredAt = now;
            refreshDue = true;
        }
    }

    /// <summary>The metadata to use without fetching: fetched within the automatic interval and no refresh asked for, or the last good one while a failed fetch waits out the refresh interval.</summary>
    private OpenIdConnectConfiguration? Usable()
    {
        if (Volatile.Read(ref current) is not { } fetched)
        {
            return null;
        }

        bool due;
        lock (refreshLock)
        {
            due = refreshDue;
        }

        var now = time.GetTimestamp();
        if (!due && time.GetElapsedTime(fetched.At, now) < AutomaticRefreshInterval)
        {
            return fetched.Configuration;
        }

        return Volatile.Read(ref failure) is { } recent && time.GetElapsedTime(recent.At, now) < RefreshInterval ? fetched.Configuration : null;
    }

    private ProviderMetadataUnavailableException Unavailable(Exception exception, TimeSpan retryAfter) =>
        new($"the provider's metadata ({MetadataAddress}) could not be fetched: {exception.Message}", retryAfter, exception);
}
