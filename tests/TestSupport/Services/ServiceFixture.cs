namespace ZtStream.TestSupport.Services;

/// <summary>
/// One external service per test assembly, found in this order: an address in an environment variable; a Docker engine
/// through Testcontainers; a throwaway instance from the locally installed binaries. It starts when a test first asks
/// for it, so a run that needs none pays nothing; whatever started is stopped on dispose. When nothing answers, the
/// asking test skips (or fails, when services are required) with every reason tried.
/// </summary>
/// <typeparam name="TAddress">How tests reach the service (a connection string, a URI).</typeparam>
/// <typeparam name="TContainer">The Testcontainers container of the service.</typeparam>
public abstract class ServiceFixture<TAddress, TContainer> : IAsyncLifetime
    where TAddress : class
    where TContainer : DockerContainer
{
    private readonly string service;
    private readonly string variable;
    private readonly Lock startLock = new();
    private Task? start;
    private string? unavailableReason;

    protected ServiceFixture(string service, string variable)
    {
        this.service = service;
        this.variable = variable;
    }

    /// <summary>Where the service came from: environment, docker or local (for test output).</summary>
    public string Source { get; private set; } = "none";

    /// <summary>The service's address once started; null before or when none could be had.</summary>
    protected TAddress? Address { get; private set; }

    /// <summary>The container the service runs in, when it came from Docker.</summary>
    protected TContainer? Container { get; private set; }

    /// <summary>Nothing starts until a test asks.</summary>
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// The service's address, starting it on first use; skips (or fails, on CI) when there is none. The start is shared,
    /// so it is not cancelled with the test that happened to come first.
    /// </summary>
    protected async Task<TAddress> GetAddressAsync(CancellationToken cancellationToken)
    {
        Task started;
        lock (startLock)
        {
            started = start ??= StartAsync();
        }

        await started.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (Address is null)
        {
            ServiceRequirement.Unavailable(service, unavailableReason ?? "the fixture could not start");
        }

        return Address!;
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (start is not null)
        {
            try
            {
                // Waits for a start still under way; its failure was already reported to the tests that asked.
                await start.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Nothing more to report here; whatever did start is cleaned up below.
            }
        }

        if (Source == "environment" && Address is not null)
        {
            await ReleaseSharedAsync(Address).ConfigureAwait(false);
        }

        await DisposeContainerAsync().ConfigureAwait(false);
        await StopLocalAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>The address an environment variable names.</summary>
    protected abstract TAddress FromEnvironment(string value);

    protected abstract TContainer BuildContainer();

    protected abstract TAddress AddressOf(TContainer container);

    /// <summary>The folder of the locally installed server binaries, or null (with the reason) when there are none.</summary>
    protected abstract string? FindBinaries(out string missing);

    /// <summary>Starts a local instance from <paramref name="binaries"/>, keeping it for <see cref="StopLocalAsync"/>.</summary>
    protected abstract Task<TAddress> StartLocalAsync(string binaries);

    /// <summary>How a failed local start is introduced in the reasons.</summary>
    protected abstract string DescribeLocal(string binaries);

    /// <summary>Stops the local instance, if one started.</summary>
    protected abstract ValueTask StopLocalAsync();

    /// <summary>A service given by the environment outlives the run: drops what this run created on it.</summary>
    protected virtual ValueTask ReleaseSharedAsync(TAddress address) => ValueTask.CompletedTask;

    private async Task StartAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            Address = FromEnvironment(fromEnvironment);
            Source = "environment";
            return;
        }

        var reasons = new List<string> { $"{variable} is not set" };
        if (await ContainerEngineProbe.AnswersAsync().ConfigureAwait(false))
        {
            try
            {
                Container = BuildContainer();
                using var cts = new CancellationTokenSource(ContainerEngineProbe.StartTimeout);
                await Container.StartAsync(cts.Token).ConfigureAwait(false);
                Address = AddressOf(Container);
                Source = "docker";
                return;
            }
            catch (Exception e)
            {
                reasons.Add($"Docker: {e.GetType().Name}: {e.Message}");
                await DisposeContainerAsync().ConfigureAwait(false);
            }
        }
        else
        {
            reasons.Add("no Docker engine");
        }

        var binaries = FindBinaries(out var missing);
        if (binaries is null)
        {
            reasons.Add(missing);
            unavailableReason = string.Join("; ", reasons);
            return;
        }

        try
        {
            Address = await StartLocalAsync(binaries).ConfigureAwait(false);
            Source = "local";
        }
        catch (Exception e)
        {
            reasons.Add($"{DescribeLocal(binaries)}: {e.Message}");
            unavailableReason = string.Join("; ", reasons);
        }
    }

    private async Task DisposeContainerAsync()
    {
        if (Container is not null)
        {
            await Container.DisposeAsync().ConfigureAwait(false);
            Container = null;
        }
    }
}
