namespace ZtStream.Host.Tests.Configuration;

public sealed class HostConfigurationTests
{
    /// <summary>
    /// A <c>ZTSTREAM_</c> variable for a key the binary does not read is refused like the same key in a config file or
    /// <c>--set</c>: before, the typo was dropped and the default stayed in force with nothing said.
    /// </summary>
    [Theory]
    [InlineData("ZTSTREAM_Ingest__MaxBodyBytez", "ZTSTREAM_Ingest__MaxBodyBytez: unknown configuration key 'Ingest:MaxBodyBytez'")]
    [InlineData("ZtStream__Ingest__MaxBodyBytes", "one underscore: ZTSTREAM_Ingest__MaxBodyBytes")]
    public async Task RealBinary_UnknownZtStreamVariable_ExitsTwoNamingIt(string variable, string expected)
    {
        var output = await RunRefusedWithAsync(variable, "2048");

        Assert.Contains("configuration error: ", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A variable giving a whole section a single value bound to nothing and left every key of it at its default, with
    /// nothing said, while <c>{"Ingest": 5}</c> in a config file was refused.
    /// </summary>
    [Theory]
    [InlineData("ZTSTREAM_Ingest", "5", "ZTSTREAM_Ingest: 'Ingest' is a section and takes its keys (ZTSTREAM_Ingest__KEY)")]
    [InlineData("ZTSTREAM_Verifier__Rules", "builtin", "ZTSTREAM_Verifier__Rules: 'Verifier:Rules' is a section and takes its keys (ZTSTREAM_Verifier__Rules__KEY)")]
    public async Task RealBinary_ZtStreamVariableGivingASectionAValue_ExitsTwoNamingIt(string variable, string value, string expected)
    {
        var output = await RunRefusedWithAsync(variable, value);

        var line = OnlyConfigurationError(output);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Contains($"not the value '{value}'", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// An OTLP endpoint or protocol the OpenTelemetry specification does not allow stops the start naming the variable
    /// and what it takes: before, the SDK took it without a word and nothing reached the collector.
    /// </summary>
    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "notaurl", "absolute http:// or https:// URI")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://collector.example.com:4317", "absolute http:// or https:// URI")]
    [InlineData("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "otel-collector:4318", "absolute http:// or https:// URI")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "bogus", "one of grpc, http/protobuf, http/json")]
    [InlineData("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "HTTP", "one of grpc, http/protobuf, http/json")]
    public async Task RealBinary_MalformedOtlpVariable_ExitsTwoNamingItAndWhatItTakes(string variable, string value, string expected)
    {
        var output = await RunRefusedWithAsync(variable, value);

        var line = OnlyConfigurationError(output);
        Assert.Contains($"{variable}: '{value}'", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    /// <summary>
    /// OTLP headers the SDK cannot split stop the start with one line naming the variable, without quoting the value (it
    /// usually holds a credential): before, the exporter threw past the host, an unhandled exception and exit 134.
    /// </summary>
    [Fact]
    public async Task RealBinary_OtlpHeadersWithoutEquals_ExitsTwoNamingTheVariableNotItsValue()
    {
        var output = await RunRefusedWithAsync("OTEL_EXPORTER_OTLP_HEADERS", "Bearer-s3cret-token");

        var line = OnlyConfigurationError(output);
        Assert.Contains("OTEL_EXPORTER_OTLP_HEADERS: pair 1 has no '='", line, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_HEADERS", "garbage", "OTEL_EXPORTER_OTLP_HEADERS: pair 1 has no '='")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api-key=k1,tenant", "OTEL_EXPORTER_OTLP_TRACES_HEADERS: pair 2 has no '='")]
    [InlineData("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "a=1,,b=2", "OTEL_EXPORTER_OTLP_LOGS_HEADERS: pair 2 has no '='")]
    [InlineData("OTEL_EXPORTER_OTLP_HEADERS", "=v", "pair 1's name '' is not an HTTP header name")]
    [InlineData("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "api%20key=v", "pair 1's name 'api key' is not an HTTP header name")]
    [InlineData("OTEL_EXPORTER_OTLP_HEADERS", "x-a=1%0D%0Ax-b: 2", "pair 1 (x-a) has a line break in its value")]
    public void OtlpProblems_HeadersTheSdkCannotSend_NameTheVariableAndPair(string variable, string value, string expected)
    {
        var problem = OnlyOtlpProblem(new() { [variable] = value });
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    /// <summary>
    /// An exporter or sampler name ZtStream does not run stops the start with one line naming the variable and what it
    /// takes: before, the start went on, exporting by OTLP whatever was named and sampling every trace.
    /// </summary>
    [Theory]
    [InlineData("OTEL_TRACES_SAMPLER", "always-on", "OTEL_TRACES_SAMPLER: 'always-on' is not an OpenTelemetry sampler (one of always_on")]
    [InlineData("OTEL_TRACES_EXPORTER", "zipkin", "OTEL_TRACES_EXPORTER: 'zipkin' is an OpenTelemetry exporter ZtStream does not ship (one of otlp, none")]
    [InlineData("OTEL_METRICS_EXPORTER", "promethues", "OTEL_METRICS_EXPORTER: 'promethues' is not an OpenTelemetry exporter (one of otlp, prometheus, none")]
    [InlineData("OTEL_LOGS_EXPORTER", "otel", "OTEL_LOGS_EXPORTER: 'otel' is not an OpenTelemetry exporter (one of otlp, none")]
    public async Task RealBinary_UnknownExporterOrSampler_ExitsTwoNamingIt(string variable, string value, string expected)
    {
        var output = await RunRefusedWithAsync(variable, value);

        var line = OnlyConfigurationError(output);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OTEL_TRACES_SAMPLER", "bogus", "OTEL_TRACES_SAMPLER: 'bogus' is not an OpenTelemetry sampler (one of always_on, always_off, parentbased_always_on, parentbased_always_off, traceidratio, parentbased_traceidratio)")]
    [InlineData("OTEL_TRACES_SAMPLER", "xray", "OTEL_TRACES_SAMPLER: 'xray' is an OpenTelemetry sampler ZtStream's SDK does not build")]
    [InlineData("OTEL_TRACES_SAMPLER", "parentbased_jaeger_remote", "OTEL_TRACES_SAMPLER: 'parentbased_jaeger_remote' is an OpenTelemetry sampler ZtStream's SDK does not build")]
    [InlineData("OTEL_TRACES_EXPORTER", "jaeger", "OTEL_TRACES_EXPORTER: 'jaeger' is an OpenTelemetry exporter ZtStream does not ship")]
    [InlineData("OTEL_TRACES_EXPORTER", "otlp,console", "OTEL_TRACES_EXPORTER: 'console' is an OpenTelemetry exporter ZtStream does not ship")]
    [InlineData("OTEL_TRACES_EXPORTER", "otlp;none", "OTEL_TRACES_EXPORTER: 'otlp;none' is not an OpenTelemetry exporter")]
    [InlineData("OTEL_TRACES_EXPORTER", "otlp, none", "OTEL_TRACES_EXPORTER: 'otlp, none' names 'none' with other exporters")]
    [InlineData("OTEL_METRICS_EXPORTER", "prometheus,logging", "OTEL_METRICS_EXPORTER: 'logging' is an OpenTelemetry exporter ZtStream does not ship (one of otlp, prometheus, none")]
    [InlineData("OTEL_METRICS_EXPORTER", ", ,", "OTEL_METRICS_EXPORTER: ', ,' names no exporter")]
    [InlineData("OTEL_LOGS_EXPORTER", "prometheus", "OTEL_LOGS_EXPORTER: 'prometheus' is not an OpenTelemetry exporter (one of otlp, none")]
    [InlineData("OTEL_LOGS_EXPORTER", "console", "OTEL_LOGS_EXPORTER: 'console' is an OpenTelemetry exporter ZtStream does not ship")]
    public void OtlpProblems_UnknownOrUnshippedExporterOrSampler_NameTheVariableAndWhatItTakes(string variable, string value, string expected)
    {
        var problem = OnlyOtlpProblem(new() { [variable] = value });
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    /// <summary>
    /// A ratio the SDK cannot read, or one no sampler reads: the SDK sampled every trace without a word (an unreadable
    /// ratio is 1.0; an argument beside another sampler, or alone, is ignored).
    /// </summary>
    [Theory]
    [InlineData("traceidratio", "10%", "OTEL_TRACES_SAMPLER_ARG: '10%' is not a sampling ratio for traceidratio (a number from 0 to 1, e.g. 0.25)")]
    [InlineData("parentbased_traceidratio", "1.5", "OTEL_TRACES_SAMPLER_ARG: '1.5' is not a sampling ratio for parentbased_traceidratio")]
    [InlineData("ParentBased_TraceIdRatio", "-0.1", "OTEL_TRACES_SAMPLER_ARG: '-0.1' is not a sampling ratio for ParentBased_TraceIdRatio")]
    [InlineData("traceidratio", "0,25", "OTEL_TRACES_SAMPLER_ARG: '0,25' is not a sampling ratio")]
    [InlineData("traceidratio", "NaN", "OTEL_TRACES_SAMPLER_ARG: 'NaN' is not a sampling ratio")]
    [InlineData("always_on", "0.1", "OTEL_TRACES_SAMPLER_ARG: '0.1' is read only by the samplers traceidratio and parentbased_traceidratio, and OTEL_TRACES_SAMPLER is 'always_on'")]
    [InlineData(null, "0.1", "OTEL_TRACES_SAMPLER_ARG: '0.1' is read only by the samplers traceidratio and parentbased_traceidratio, and OTEL_TRACES_SAMPLER is not set")]
    public void OtlpProblems_SamplerRatioNotReadAsGiven_NamesTheArgument(string? sampler, string arg, string expected)
    {
        var problem = OnlyOtlpProblem(new() { ["OTEL_TRACES_SAMPLER"] = sampler, ["OTEL_TRACES_SAMPLER_ARG"] = arg });
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    /// <summary>
    /// A signal goes to OTLP only when its exporter is unset or names otlp: <c>prometheus</c> alone for metrics (the
    /// scrape endpoint) no longer also pushes them to a collector.
    /// </summary>
    [Theory]
    [InlineData("METRICS", null, true)]
    [InlineData("METRICS", " ", true)]
    [InlineData("METRICS", "otlp", true)]
    [InlineData("METRICS", "Prometheus, OTLP", true)]
    [InlineData("METRICS", "prometheus", false)]
    [InlineData("TRACES", "none", false)]
    [InlineData("LOGS", "NONE", false)]
    public void SelectsOtlp_ExporterList_OnlyWhenUnsetOrNamingOtlp(string signal, string? exporter, bool expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"OTEL_{signal}_EXPORTER"] = exporter }).Build();

        Assert.Equal(expected, ZtStream.Platform.Telemetry.OtlpEnvironment.SelectsOtlp(configuration, signal));
    }

    /// <summary>
    /// <c>OTEL_METRICS_EXPORTER</c> and <c>Telemetry:Prometheus</c> both set and disagreeing stop the start naming both:
    /// before, <c>Telemetry:Prometheus</c> won without a word (a list naming prometheus served no scrape endpoint, a list
    /// without it still served one).
    /// </summary>
    [Theory]
    [InlineData("prometheus", "false", "OTEL_METRICS_EXPORTER: 'prometheus' names prometheus, but Telemetry:Prometheus is false")]
    [InlineData("otlp, Prometheus", "False", "OTEL_METRICS_EXPORTER: 'otlp, Prometheus' names prometheus, but Telemetry:Prometheus is false")]
    [InlineData("otlp", "true", "OTEL_METRICS_EXPORTER: 'otlp' does not name prometheus, but Telemetry:Prometheus is true")]
    [InlineData("none", "TRUE", "OTEL_METRICS_EXPORTER: 'none' does not name prometheus, but Telemetry:Prometheus is true")]
    public void OtlpProblems_MetricsExporterAndPrometheusSettingDisagree_NameBoth(string exporter, string prometheus, string expected)
    {
        var problem = OnlyOtlpProblem(new() { ["OTEL_METRICS_EXPORTER"] = exporter, ["Telemetry:Prometheus"] = prometheus });
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    /// <summary>
    /// Whether the scrape endpoint is served: <c>Telemetry:Prometheus</c> when set, else the specification's exporter
    /// selection when <c>OTEL_METRICS_EXPORTER</c> is set (served only when it names prometheus), else served.
    /// </summary>
    [Theory]
    [InlineData(null, null, true)]
    [InlineData(" ", null, true)]
    [InlineData("otlp", null, false)]
    [InlineData("none", null, false)]
    [InlineData("Prometheus,otlp", null, true)]
    [InlineData(null, "false", false)]
    [InlineData("prometheus", "true", true)]
    public void ServesPrometheus_SettingWhenSet_ElseTheExporterList_ElseOn(string? exporter, string? prometheus, bool expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?> { ["OTEL_METRICS_EXPORTER"] = exporter, ["Telemetry:Prometheus"] = prometheus }).Build();

        Assert.Equal(expected, ZtStream.Platform.Telemetry.OtlpEnvironment.ServesPrometheus(configuration));
    }

    /// <summary>The real binary refuses the contradiction with exit 2 and one line, as it refuses an unknown exporter.</summary>
    [Fact]
    public async Task RealBinary_PrometheusExporterWithPrometheusOff_ExitsTwoNamingBoth()
    {
        var output = await RunRefusedWithAsync("OTEL_METRICS_EXPORTER", "prometheus", new() { ["ZTSTREAM_Telemetry__Prometheus"] = "false" });

        var line = OnlyConfigurationError(output);
        Assert.Contains("OTEL_METRICS_EXPORTER: 'prometheus' names prometheus, but Telemetry:Prometheus is false", line, StringComparison.Ordinal);
    }

    /// <summary>Values the specification allows, and variables not set, are no problem.</summary>
    [Fact]
    public void OtlpProblems_AllowedValuesAndUnsetVariables_AreNone()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://otel-collector:4317",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "https://collector.example.com/v1/traces",
            ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_LOGS_PROTOCOL"] = "http/json",
            ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = "http://[2001:db8::7]:4318",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "api-key=secret, x-tenant = shop,",
            ["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] = "Authorization=Bearer%20abc%3D%3D",
            ["OTEL_EXPORTER_OTLP_LOGS_HEADERS"] = "",
            ["OTEL_TRACES_SAMPLER"] = "ParentBased_TraceIdRatio",
            ["OTEL_TRACES_SAMPLER_ARG"] = "0.25",
            ["OTEL_TRACES_EXPORTER"] = "otlp",
            ["OTEL_METRICS_EXPORTER"] = "prometheus, otlp",
            ["OTEL_LOGS_EXPORTER"] = "None",
        }).Build();

        Assert.Empty(ZtStream.Platform.Telemetry.OtlpEnvironment.Problems(configuration));
        Assert.Empty(ZtStream.Platform.Telemetry.OtlpEnvironment.Problems(new ConfigurationBuilder().Build()));
    }

    /// <summary>Known keys, and variables of others without a section (the SDK's workload, the test suite's own), pass.</summary>
    [Fact]
    public void ReportUnknownVariables_KnownKeysAndOthersVariables_AreNoProblem()
    {
        var problems = new List<string>();

        HostConfiguration.ReportUnknownVariables(
            new Dictionary<string, string>
            {
                ["ZTSTREAM_Ingest__MaxBodyBytes"] = "2048",
                ["ZTSTREAM_Responder__ApiTokens__0__Name"] = "alice",
                ["ztstream_eventlog__kind"] = "file",
                ["ZTSTREAM_Kestrel__Endpoints__Web__Url"] = "http://127.0.0.1:0",
                ["ZTSTREAM_WORKLOAD_NAME"] = "web",
                ["ZTSTREAM_Roles"] = "ingest",
                ["ZTSTREAM_TEST_REQUIRE_SERVICES"] = "1",
                ["OTHER__Ingest__X"] = "1",
            },
            problems);

        Assert.Empty(problems);
    }

    /// <summary>The one problem the OTLP check finds with <paramref name="variables"/>.</summary>
    private static string OnlyOtlpProblem(Dictionary<string, string?> variables) =>
        Assert.Single(ZtStream.Platform.Telemetry.OtlpEnvironment.Problems(new ConfigurationBuilder().AddInMemoryCollection(variables).Build()));

    /// <summary>The one <c>configuration error:</c> line of a refused start's <paramref name="output"/>.</summary>
    private static string OnlyConfigurationError(string output) =>
        Assert.Single(output.Split('\n'), l => l.StartsWith("configuration error: ", StringComparison.Ordinal));

    /// <summary>The real binary's <c>run</c> with <paramref name="variable"/> set: it must exit 2; its output.</summary>
    private static async Task<string> RunRefusedWithAsync(string variable, string value, Dictionary<string, string>? more = null)
    {
        var ct = Ct;
        await using var processes = new ZtStreamProcesses("zt-env-");
        var run = await processes.RunToExitAsync(
            "run",
            ["run", "--urls", "http://127.0.0.1:0", "--sqlite", processes.SqlitePath],
            2,
            TimeSpan.FromSeconds(60),
            ct,
            new Dictionary<string, string>(more ?? []) { [variable] = value });
        return run.Output;
    }
}
