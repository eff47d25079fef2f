namespace ZtStream.Platform.Tests.Hosting;

public sealed class ServiceRegistrationTests
{
    /// <summary>The services after two components both called <paramref name="add"/>, as roles composed in one host do.</summary>
    private static ServiceCollection AddedTwice(Action<IServiceCollection> add)
    {
        var services = new ServiceCollection();
        add(services);
        add(services);
        return services;
    }

    [Fact]
    public void AddHostedSingleton_AddedTwice_OneInstanceResolvedAndHosted()
    {
        using var provider = AddedTwice(s => s.AddHostedSingleton<Worker>()).BuildServiceProvider();

        var hosted = Assert.Single(provider.GetServices<IHostedService>());
        Assert.Same(provider.GetRequiredService<Worker>(), hosted);
    }

    [Fact]
    public async Task AddValidatedOptions_BadSection_HostStopsAtStartWithEveryProblem()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?> { ["Sample:Size"] = "-1", ["Sample:Name"] = "" });
        builder.Services.AddValidatedOptions<SampleOptions, SampleOptionsValidator>(builder.Configuration.GetSection("Sample"));
        builder.Services.AddValidatedOptions<SampleOptions, SampleOptionsValidator>(builder.Configuration.GetSection("Sample"));

        var refused = await TestHosts.RefusedAtStartAsync(builder);

        // Registered twice, validated once: each problem is listed once.
        Assert.Equal(["Sample:Size must be positive", "Sample:Name is required"], refused.Failures);
    }

    [Fact]
    public void AddValidatedOptions_GoodSection_Bound()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Sample:Size"] = "3", ["Sample:Name"] = "x" }).Build();
        var services = new ServiceCollection();
        services.AddValidatedOptions<SampleOptions, SampleOptionsValidator>(configuration.GetSection("Sample"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<SampleOptions>>().Value;
        Assert.Equal((3, "x"), (options.Size, options.Name));
    }

    [Fact]
    public void AddValidatedOptions_AddedTwice_BindsOnce_ListsAreNotDoubled()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Sample:Tags:0"] = "a", ["Sample:Tags:1"] = "b" }).Build();
        using var provider = AddedTwice(s => s.AddValidatedOptions<SampleOptions, SampleOptionsValidator>(configuration.GetSection("Sample"))).BuildServiceProvider();

        Assert.Equal(["a", "b"], provider.GetRequiredService<IOptions<SampleOptions>>().Value.Tags);
        Assert.Single(provider.GetServices<IValidateOptions<SampleOptions>>());
    }

    [Fact]
    public void AddTelemetry_AddedByTwoComponents_OneInstanceOnTheHostMeterFactory()
    {
        var services = AddedTwice(s => s.AddTelemetry<Worker>());
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(Worker));
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.NotNull(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
    }

    [Fact]
    public void AddMigrations_AddedTwice_OneSource_AnotherSourceKeptBeside()
    {
        using var provider = AddedTwice(s => s.AddMigrations<FirstMigrations>()).AddMigrations<SecondMigrations>().BuildServiceProvider();

        var sources = provider.GetServices<IMigrationSource>().ToList();
        Assert.Equal([typeof(FirstMigrations), typeof(SecondMigrations)], sources.Select(x => x.GetType()));
    }

    internal sealed class FirstMigrations : IMigrationSource
    {
        public IEnumerable<Migration> Migrations => [new Migration("first", 1, "first-table", "CREATE TABLE zt_first (id INTEGER);", "CREATE TABLE zt_first (id integer);")];
    }

    internal sealed class SecondMigrations : IMigrationSource
    {
        public IEnumerable<Migration> Migrations => [new Migration("second", 1, "second-table", "CREATE TABLE zt_second (id INTEGER);", "CREATE TABLE zt_second (id integer);")];
    }

    internal sealed class Worker : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
    }

    internal sealed class SampleOptions
    {
        public int Size { get; set; } = 1;

        public string Name { get; set; } = "sample";

        public List<string> Tags { get; set; } = [];
    }

    internal sealed class SampleOptionsValidator : IValidateOptions<SampleOptions>
    {
        public ValidateOptionsResult Validate(string? name, SampleOptions options)
        {
            var problems = new List<string>();
            if (options.Size <= 0)
            {
                problems.Add("Sample:Size must be positive");
            }

            if (string.IsNullOrEmpty(options.Name))
            {
                problems.Add("Sample:Name is required");
            }

            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
