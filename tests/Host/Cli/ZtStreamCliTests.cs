using ZtStream.TestSupport.Cli;

namespace ZtStream.Host.Tests.Cli;

public sealed class ZtStreamCliTests
{
    /// <summary><c>ztstream run --config</c> with a configuration file holding <paramref name="json"/>.</summary>
    private static async Task<(int Code, string Out, string Err)> RunWithConfigFileAsync(string json)
    {
        var file = Path.Combine(Path.GetTempPath(), $"zt-config-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, json, Ct);
        try
        {
            return await CliRun.RunAsync("run", "--config", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary><c>ztstream run</c> on a throwaway SQLite store, with a response policy file holding <paramref name="yaml"/>.</summary>
    private static async Task<(int Code, string Out, string Err)> RunWithResponsePolicyAsync(string yaml)
    {
        using var folder = new TempFolder("zt-policy-");
        return (await CliRun.RunWithFileAsync(folder, "Responder:PolicyPath", yaml, "response.yaml")).Run;
    }

    [Fact]
    public async Task Run_UnknownEventLogKind_ExitsTwoWithOneLineNamingTheKey()
    {
        var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync("run", "--event-log", "carrier-pigeon"));

        var line = Assert.Single(CommandRun.Lines(err));
        Assert.Contains("EventLog:Kind", line, StringComparison.Ordinal);
        Assert.Contains("carrier-pigeon", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SeveralProblems_ListsEveryOneOnItsOwnLine()
    {
        var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync("run", "--event-log", "kafka", "--store", "postgres", "--bus", "rabbitmq", "--roles", "ingest,janitor"));

        var lines = CommandRun.Lines(err);
        Assert.Contains(lines, l => l.Contains("BootstrapServers", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("ConnectionString", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("RabbitMqUri", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("janitor", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_ConfigFileWithUnknownKind_ExitsTwo()
    {
        var err = await CliRun.ExitsTwoAsync(RunWithConfigFileAsync("""{"EventLog": {"Kind": "tape"}}"""));

        Assert.Contains("'tape'", Assert.Single(CommandRun.Lines(err)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ConfigFileWithMisspeltKey_ExitsTwoNamingTheKey()
    {
        var err = await CliRun.ExitsTwoAsync(RunWithConfigFileAsync("""{"EventLog": {"Knid": "kafka"}}"""));

        Assert.Contains("unknown key 'EventLog:Knid'", Assert.Single(CommandRun.Lines(err)), StringComparison.Ordinal);
    }

    /// <summary>
    /// Kestrel's limits that cannot be bound — not of the limit's type, or refused by Kestrel — are configuration errors,
    /// one line per key beside the others, exit 2: before, binding them threw past the host (a stack trace, exit 134).
    /// </summary>
    [Fact]
    public async Task Run_KestrelLimitsItCannotUse_ExitsTwoNamingEachKey()
    {
        var err = await CliRun.ExitsTwoAsync(RunWithConfigFileAsync(
            """{"Kestrel": {"Limits": {"MaxConcurrentConnections": "many", "MaxRequestBodySize": -5, "Http2": {"MaxStreamsPerConnection": 0}, "MaxRequestLineSize": 9000}}}"""));

        var lines = CommandRun.Lines(err);
        Assert.Equal(3, lines.Length);
        Assert.Contains("configuration error: Kestrel:Limits:MaxConcurrentConnections: 'many' cannot be used: many is not a valid value for Int64.", lines);
        Assert.Contains("configuration error: Kestrel:Limits:MaxRequestBodySize: '-5' cannot be used: Value must be null or a non-negative number.", lines);
        Assert.Contains("configuration error: Kestrel:Limits:Http2:MaxStreamsPerConnection: '0' cannot be used: A value greater than zero is required.", lines);
    }

    /// <summary>
    /// The Kestrel section's values that ASP.NET Core's loader reads — an endpoint's <c>Protocols</c>, <c>SslProtocols</c>,
    /// <c>ClientCertificateMode</c>, in the defaults, an endpoint or an SNI entry, and a certificate's <c>AllowInvalid</c>
    /// and <c>Location</c> — are configuration errors naming the key and what it takes, beside other sections' problems,
    /// exit 2, in <c>run</c> and <c>check</c>: before, a name it did not know or a number started as if nothing were said;
    /// so did <c>SslProtocols</c> given one value, which the loader never reads (it reads the list's items).
    /// </summary>
    [Theory]
    [InlineData("Kestrel:EndpointDefaults:Protocols", "banana", "one or more of None, Http1, Http2, Http1AndHttp2, Http3, Http1AndHttp2AndHttp3, comma-separated")]
    [InlineData("Kestrel:EndpointDefaults:Protocols", "99", "one or more of None, Http1, Http2, Http1AndHttp2, Http3, Http1AndHttp2AndHttp3, comma-separated")]
    [InlineData("Kestrel:Endpoints:A:Protocols", "99", "one or more of None, Http1, Http2, Http1AndHttp2, Http3, Http1AndHttp2AndHttp3, comma-separated")]
    [InlineData("Kestrel:Endpoints:A:Sni:a.example.com:Protocols", "Http4", "one or more of None, Http1, Http2, Http1AndHttp2, Http3, Http1AndHttp2AndHttp3, comma-separated")]
    [InlineData("Kestrel:EndpointDefaults:ClientCertificateMode", "Sometimes", "one of NoCertificate, AllowCertificate, RequireCertificate, DelayCertificate")]
    [InlineData("Kestrel:Endpoints:A:ClientCertificateMode", "2", "one of NoCertificate, AllowCertificate, RequireCertificate, DelayCertificate")]
    [InlineData("Kestrel:EndpointDefaults:SslProtocols:0", "Tls14", "one or more of None, Ssl2, Ssl3, Tls, Default, Tls11, Tls12, Tls13, comma-separated")]
    [InlineData("Kestrel:Endpoints:A:Certificate:AllowInvalid", "maybe", "true or false")]
    [InlineData("Kestrel:EndpointDefaults:SslProtocols", "Tls12", "read: the key takes a list, one item each as Kestrel:EndpointDefaults:SslProtocols:0, Kestrel:EndpointDefaults:SslProtocols:1 …")]
    [InlineData("Kestrel:Endpoints:A:Sni:a.example.com:SslProtocols", "Tls13", "read: the key takes a list, one item each as Kestrel:Endpoints:A:Sni:a.example.com:SslProtocols:0, Kestrel:Endpoints:A:Sni:a.example.com:SslProtocols:1 …")]
    [InlineData("Kestrel:Certificates:Default:Location", "Everywhere", "one of CurrentUser, LocalMachine")]
    [InlineData("Kestrel:EndpointDefaults:Protocols", "Http1AndHttp2", null)]
    [InlineData("Kestrel:Endpoints:A:SslProtocols:0", "tls12, Tls13", null)]
    public Task RunOrCheck_KestrelValueItsLoaderCannotParse_ExitsTwoNamingTheKeyBesideTheOthers(string key, string value, string? expected) =>
        SaidBesideAnotherSectionsProblemAsync(key, value, expected);

    /// <summary>
    /// What the Kestrel section's types take but ASP.NET Core drops: <c>Protocols</c> <c>None</c> (an endpoint that serves
    /// nothing: Kestrel closes each connection to it, and drops it unsaid in the defaults), and a certificate or an SNI
    /// entry under <c>EndpointDefaults</c>, which ASP.NET Core never reads (it reads Protocols, SslProtocols and
    /// ClientCertificateMode there). Each is a configuration error naming the key and where it is read; a certificate's
    /// password is not repeated.
    /// </summary>
    [Theory]
    [InlineData("Kestrel:EndpointDefaults:Protocols", "None",
        "Kestrel:EndpointDefaults:Protocols: 'None' serves no protocol: an endpoint needs one or more of Http1, Http2, Http1AndHttp2, Http3, Http1AndHttp2AndHttp3")]
    [InlineData("Kestrel:Endpoints:A:Protocols", "none",
        "Kestrel:Endpoints:A:Protocols: 'none' serves no protocol: an endpoint needs one or more of Http1, Http2, Http1AndHttp2, Http3, Http1AndHttp2AndHttp3")]
    [InlineData("Kestrel:Endpoints:A:Sni:a.example.com:Protocols", "None",
        "Kestrel:Endpoints:A:Sni:a.example.com:Protocols: 'None' serves no protocol: an endpoint needs one or more of Http1, Http2, Http1AndHttp2, Http3, Http1AndHttp2AndHttp3")]
    [InlineData("Kestrel:EndpointDefaults:Certificate:Password", "s3cret",
        "Kestrel:EndpointDefaults:Certificate:Password is not read: ASP.NET Core takes no certificate under Kestrel:EndpointDefaults; set Kestrel:Certificates:Default:Password (every HTTPS endpoint without a certificate of its own) or Kestrel:Endpoints:NAME:Certificate:Password")]
    [InlineData("Kestrel:EndpointDefaults:Certificate:AllowInvalid", "true",
        "Kestrel:EndpointDefaults:Certificate:AllowInvalid is not read: ASP.NET Core takes no certificate under Kestrel:EndpointDefaults; set Kestrel:Certificates:Default:AllowInvalid (every HTTPS endpoint without a certificate of its own) or Kestrel:Endpoints:NAME:Certificate:AllowInvalid")]
    [InlineData("Kestrel:EndpointDefaults:Sni:a.example.com:Certificate:Path", "a.pfx",
        "Kestrel:EndpointDefaults:Sni:a.example.com:Certificate:Path is not read: ASP.NET Core takes SNI entries per endpoint only, as Kestrel:Endpoints:NAME:Sni:a.example.com:Certificate:Path")]
    [InlineData("Kestrel:EndpointDefaults:Protocols", "Http1, None", null)]
    [InlineData("Kestrel:Endpoints:A:Certificate:Password", "s3cret", null)]
    [InlineData("Kestrel:Certificates:Default:Password", "s3cret", null)]
    public Task RunOrCheck_KestrelValueAspNetCoreDrops_ExitsTwoNamingTheKeyBesideTheOthers(string key, string value, string? line) =>
        LineBesideAnotherSectionsProblemAsync(key, value, line);

    /// <summary>
    /// A value that does not bind to its key's type, in a section read while the host is built (the trusted proxy's
    /// middleware, the scrape endpoint's path, the Responder's endpoints and drivers), is a configuration error naming
    /// the key, exit 2: before, the binder's exception went past the host (a stack trace, exit 134). It was then said
    /// alone, the other sections' mistakes left for the next start; now they are said beside it.
    /// </summary>
    [Theory]
    [InlineData("ForwardedHeaders:Enabled", "abc", "true or false")]
    [InlineData("ForwardedHeaders:ForwardLimit", "abc", "a whole number in range")]
    [InlineData("ForwardedHeaders:ForwardLimit", "99999999999999999999", "a whole number in range")]
    [InlineData("ForwardedHeaders:ForwardLimit", "", "a whole number in range")]
    [InlineData("Telemetry:Prometheus", "abc", "true or false")]
    [InlineData("Telemetry:Prometheus", "yes", "true or false")]
    [InlineData("Responder:CommandRetries", "abc", "a whole number in range")]
    [InlineData("Responder:Feed:KeepAlive", "", "a duration (hh:mm:ss)")]
    [InlineData("Responder:Drivers:OAuth:Endpoint", "http://", "a URI")]
    [InlineData("Responder:Sso:CookieSecure", "Sometimes", "one of SameAsRequest, Always, None")]
    [InlineData("Telemetry:MetricsPath", "/metrics", null)]
    public Task RunOrCheck_ValueNotOfItsKeysTypeReadWhileBuilding_ExitsTwoNamingTheKeyBesideTheOthers(string key, string value, string? expected) =>
        SaidBesideAnotherSectionsProblemAsync(key, value, expected);

    /// <summary>
    /// <c>run</c> and <c>check</c> with <paramref name="key"/> set to <paramref name="value"/> and another section's mistake:
    /// exit 2, the other mistake said, and <paramref name="key"/>'s line saying it is not <paramref name="expected"/> (none when null).
    /// </summary>
    private static Task SaidBesideAnotherSectionsProblemAsync(string key, string value, string? expected) =>
        LineBesideAnotherSectionsProblemAsync(key, value, expected is null ? null : $"{key}: '{value}' is not {expected}");

    /// <summary>
    /// <c>run</c> and <c>check</c> with <paramref name="key"/> set to <paramref name="value"/> and another section's mistake:
    /// exit 2, the other mistake said, and the line <c>configuration error: <paramref name="line"/></c> (none when null).
    /// </summary>
    private static async Task LineBesideAnotherSectionsProblemAsync(string key, string value, string? line)
    {
        using var folder = new TempFolder("zt-cli-bind-");
        foreach (var command in new[] { "run", "check" })
        {
            // An address for both: a Kestrel endpoint's key alone would be an endpoint without a Url.
            var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync([
                command, "--set", "Urls=http://127.0.0.1:0", .. CliRun.DataIn(folder),
                "--set", $"{key}={value}", "--set", "Ingest:RatePerSecond=-1"]));

            var lines = CommandRun.Lines(err);
            Assert.All(lines, l => Assert.StartsWith("configuration error: ", l, StringComparison.Ordinal));
            Assert.Contains("configuration error: Ingest:RatePerSecond must be a positive number (is -1)", lines);
            Assert.Equal(line is null ? 1 : 2, lines.Length);
            if (line is not null)
            {
                Assert.Contains($"configuration error: {line}", lines);
            }
        }
    }

    /// <summary>
    /// Values the binder cannot convert in several sections, one read while the host is built (Telemetry) and others
    /// bound at start (Verifier, Ingest), were said one per start: the binder stopped at the first. Every one is said at
    /// once now, with the other sections' problems, in <c>run</c>, <c>check</c> and <c>demo</c>.
    /// </summary>
    [Theory]
    [InlineData("run", "--urls", "http://127.0.0.1:0")]
    [InlineData("check")]
    [InlineData("demo", "--urls", "http://127.0.0.1:0", "--duration", "1", "--no-browser")]
    public async Task RunCheckOrDemo_MistakesInSeveralSections_AreSaidAtOnce(params string[] command)
    {
        using var folder = new TempFolder("zt-cli-many-");
        var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync([
            .. command, .. CliRun.DataIn(folder),
            "--set", "Telemetry:Prometheus=maybe", "--set", "Verifier:Window=abc", "--set", "Ingest:MaxClockSkew=xyz",
            "--set", "Responder:Sso:CookieSecure=99", "--set", "Responder:CommandRetries=21"]));

        Assert.Equal(
            [
                "configuration error: Ingest:MaxClockSkew: 'xyz' is not a duration (hh:mm:ss)",
                "configuration error: Responder:CommandRetries must be 0–20 (is 21)",
                "configuration error: Responder:Sso:CookieSecure: '99' is not one of SameAsRequest, Always, None",
                "configuration error: Telemetry:Prometheus: 'maybe' is not true or false",
                "configuration error: Verifier:Window: 'abc' is not a duration (hh:mm:ss)",
            ],
            CommandRun.Lines(err).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// An enum-typed key took any number (the binder converts one without asking whether it names a member) and any
    /// comma list of names, a combination the type does not define: the process started with a value no code expects.
    /// A name is what is taken, in any case; a number is refused even where it is a member's value (docs/operations.md).
    /// </summary>
    [Theory]
    [InlineData("99")]
    [InlineData("-1")]
    [InlineData("3")]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("Always, None")]
    [InlineData("SameAsRequest,Always")]
    [InlineData("Never")]
    public async Task RunOrCheck_EnumValueNamingNoMember_ExitsTwoNamingTheKeyAndTheNames(string value)
    {
        using var folder = new TempFolder("zt-cli-enum-");
        foreach (var command in new[] { "run", "check" })
        {
            var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync([
                command, "--urls", "http://127.0.0.1:0", .. CliRun.DataIn(folder),
                "--set", $"Responder:Sso:CookieSecure={value}"]));

            Assert.Equal($"configuration error: Responder:Sso:CookieSecure: '{value}' is not one of SameAsRequest, Always, None", Assert.Single(CommandRun.Lines(err)));
        }
    }

    /// <summary>
    /// <c>check</c> binds the sections it reaches itself before building the host: a value the binder cannot convert
    /// there is a configuration error naming the key too, exit 2, said once, never the binder's exception.
    /// </summary>
    [Theory]
    [InlineData("EventLog:RetentionBytes", "abc", "a whole number in range")]
    [InlineData("EventLog:AppendTimeout", "99999999999999999999", "a duration (hh:mm:ss)")]
    [InlineData("Responder:Notifications:ConsoleUrl", "http://", "a URI")]
    [InlineData("Responder:Drivers:Docker:RequestTimeout", "", "a duration (hh:mm:ss)")]
    public async Task Check_ValueNotOfItsKeysTypeInASectionItReads_ExitsTwoNamingTheKey(string key, string value, string expected)
    {
        using var folder = new TempFolder("zt-check-bind-");
        var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync(["check", .. CliRun.DataIn(folder), "--set", $"{key}={value}"]));

        Assert.Equal($"configuration error: {key}: '{value}' is not {expected}", Assert.Single(CommandRun.Lines(err)));
    }

    /// <summary>
    /// A value inside a list or map the binder cannot convert dropped its whole item without a word (a notification route,
    /// a target, a transmitter gone, exit 0): said now as the same value in a section's own key is, exit 2.
    /// </summary>
    [Theory]
    [InlineData("Responder:Notifications:Routes:0:MaxPerWindow=abc", "Responder:Notifications:Routes:0:MaxPerWindow: 'abc' is not a whole number in range")]
    [InlineData("Ingest:Ssf:Transmitters:idp:PollMaxEvents=99999999999999999999", "Ingest:Ssf:Transmitters:idp:PollMaxEvents: '99999999999999999999' is not a whole number in range")]
    [InlineData("Responder:Notifications:Targets:mail:Smtp:Port=smtp", "Responder:Notifications:Targets:mail:Smtp:Port: 'smtp' is not a whole number in range")]
    public async Task RunOrCheck_AListOrMapItemsValueTheBinderCannotConvert_SaysIt_ExitTwo(string assignment, string expected)
    {
        foreach (var command in new[] { "run", "check" })
        {
            var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync(command, "--urls", "http://127.0.0.1:0", "--set", assignment));

            Assert.Contains(CommandRun.Lines(err), l => l.StartsWith("configuration error: " + expected, StringComparison.Ordinal));
        }
    }

    /// <summary>A section given a single value bound to nothing and every key in it kept its default, with nothing said.</summary>
    [Theory]
    [InlineData("""{"Ingest": 5}""", "'Ingest'")]
    [InlineData("""{"EventLog": "kafka"}""", "'EventLog'")]
    [InlineData("""{"Responder": {"Drivers": true}}""", "'Responder:Drivers'")]
    public async Task Run_ConfigFileWithSectionGivenAValue_ExitsTwoNamingTheKey(string json, string key)
    {
        var err = await CliRun.ExitsTwoAsync(RunWithConfigFileAsync(json));

        var line = Assert.Single(CommandRun.Lines(err));
        Assert.Contains(key, line, StringComparison.Ordinal);
        Assert.Contains("is a section", line, StringComparison.Ordinal);
    }

    /// <summary>The same mistake through <c>--set</c>: the value bound to nothing, the section kept its defaults, and <c>run</c> started.</summary>
    [Theory]
    [InlineData("Ingest=5", "'Ingest'", "--set Ingest:KEY=VALUE")]
    [InlineData("eventlog=kafka", "'eventlog'", "--set eventlog:KEY=VALUE")]
    [InlineData("Responder:Drivers=true", "'Responder:Drivers'", "--set Responder:Drivers:KEY=VALUE")]
    public async Task Run_SetGivingASectionAValue_ExitsTwoNamingTheKeyAndHowItsKeysAreSet(string assignment, string key, string how)
    {
        var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync("run", "--set", assignment));

        var line = Assert.Single(CommandRun.Lines(err));
        Assert.StartsWith($"configuration error: --set: {key} is a section", line, StringComparison.Ordinal);
        Assert.Contains(how, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingConfigFile_ExitsTwo()
    {
        var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync("run", "--config", "/nonexistent/ztstream.json"));

        Assert.Contains("does not exist", err, StringComparison.Ordinal);
    }

    /// <summary>
    /// A --config that is empty, a folder, or larger than any configuration (a mistyped path to a dump, a device): one line
    /// saying which, exit 2. Before, an empty value threw past the command line, a folder was said not to exist, and a
    /// large file was read whole into memory (<c>/dev/zero</c> until memory ran out).
    /// </summary>
    [Theory]
    [InlineData("empty", "configuration error: --config: file is empty: name a file")]
    [InlineData("folder", "is a folder: name a file in it")]
    [InlineData("large", "holds more than 16777216 bytes")]
    public async Task Run_ConfigFileEmptyFolderOrTooLarge_ExitsTwoWithOneLineSayingWhich(string what, string expected)
    {
        using var folder = new TempFolder("zt-config-");
        var path = what switch
        {
            "empty" => "",
            "folder" => folder.Path,
            _ => Path.Combine(folder.Path, "dump.json"),
        };
        if (what == "large")
        {
            await using var file = File.Create(path);
            file.SetLength(17 * 1024 * 1024);
        }

        var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync("run", "--config", path));

        var line = Assert.Single(CommandRun.Lines(err));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MalformedConfigFile_ExitsTwoInsteadOfCrashing()
    {
        var err = await CliRun.ExitsTwoAsync(RunWithConfigFileAsync("""{"EventLog": {"Kind": """));

        Assert.Contains("not valid JSON", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InvalidResponsePolicy_ExitsTwoInsteadOfCrashing()
    {
        var err = await CliRun.ExitsTwoAsync(RunWithResponsePolicyAsync(
            "rules:\n  - name: x\n    severity: high\n    action: explode\n    mode: automatic\n"));

        Assert.Contains("explode", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PolicyNamingARuleTheVerifierNeverEmits_ExitsTwoListingTheValidNames()
    {
        var err = await CliRun.ExitsTwoAsync(RunWithResponsePolicyAsync(
            "rules:\n  - name: exec\n    detector: policy\n    rule: exec_into_pod\n    severity: high\n    action: isolate_workload\n    mode: automatic\n"));

        var line = Assert.Single(err.Split('\n'), l => l.Contains("exec_into_pod", StringComparison.Ordinal));
        Assert.Contains("rules[0]", line, StringComparison.Ordinal);
        Assert.Contains("pod_exec", line, StringComparison.Ordinal);
        Assert.Contains("token_binding", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PolicyNamingADetectionRuleNotLoaded_ExitsTwo_AndOneLoadedIsAccepted()
    {
        var err = await CliRun.ExitsTwoAsync(RunWithResponsePolicyAsync(
            "rules:\n  - name: privileged\n    rule: rule/k8s-privileged-container\n    action: notify\n    mode: automatic\n"
        + "  - name: typo\n    detector: rule\n    rule: k8s-privileged-containers\n    action: notify\n    mode: automatic\n"));

        var line = Assert.Single(err.Split('\n'), l => l.Contains("k8s-privileged-container", StringComparison.Ordinal));
        Assert.Contains("rules[1]: detection rule 'k8s-privileged-containers' is not in the built-in library", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_ExitsTwoWithUsage()
    {
        var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync("frobnicate"));

        Assert.Contains("usage: ztstream", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwitchWithoutValue_IsAProblemNotACrash()
    {
        var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync("run", "--event-log"));

        Assert.Contains("'--event-log'", CommandRun.Lines(err)[0], StringComparison.Ordinal);
    }

    public static TheoryData<string> EveryCommand()
    {
        var paths = new TheoryData<string> { string.Empty };
        void Walk(System.CommandLine.Command command, string path)
        {
            foreach (var sub in command.Subcommands)
            {
                var subPath = $"{path} {sub.Name}".Trim();
                paths.Add(subPath);
                Walk(sub, subPath);
            }
        }

        Walk(ZtStreamCli.CreateRoot(), string.Empty);
        return paths;
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task Help_OnEveryCommand_PrintsItsUsageAndExitsZero(string path)
    {
        var words = path.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        var (code, output, err) = await CliRun.RunAsync([.. words, "--help"]);

        Assert.Equal(0, code);
        Assert.Empty(err);
        Assert.Contains($"ztstream {path}".Trim(), output, StringComparison.Ordinal);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Help asked beside a word that names no command is the usage error the word is without it: before, the nearest
    /// command's help and exit 0, so a script asking whether <c>ztstream moon</c> exists was told it does.
    /// </summary>
    [Theory]
    [InlineData("moon --help", "ztstream: ", "usage: ztstream <command>")]
    [InlineData("sources moon -h", "ztstream sources: ", "usage: ztstream sources <command>")]
    [InlineData("rules moon --help", "ztstream rules: ", "usage: ztstream rules <command>")]
    [InlineData("dlq list a b --help", "ztstream dlq list: ", "usage: ztstream dlq list")]
    public async Task Help_BesideAWordNamingNoCommand_IsAUsageError_ExitsTwo(string line, string prefix, string usage)
    {
        var (code, output, err) = await CliRun.RunAsync(line.Split(' '));

        Assert.Equal(2, code);
        Assert.Empty(output);
        var lines = CommandRun.Lines(err);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith(prefix + "Unrecognized command or argument '", lines[0], StringComparison.Ordinal);
        Assert.Contains(line.Contains("moon", StringComparison.Ordinal) ? "'moon'" : "'b'", lines[0], StringComparison.Ordinal);
        Assert.StartsWith(usage, lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_BesideAnUnknownOption_IsStillTheCommandsHelp()
    {
        var (code, output, err) = await CliRun.RunAsync("replay", "--moon", "--help");

        Assert.Equal(0, code);
        Assert.Empty(err);
        Assert.Contains("ztstream replay", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryCatalogCommand_IsListedByHelp()
    {
        var (_, output, _) = await CliRun.RunAsync("--help");

        foreach (var name in CommandCatalog.Create().Select(c => c.Build().Name).Append("run"))
        {
            Assert.Contains($"  {name}", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BadUsage_OneLinePerProblemThenTheUsageLine_ExitsTwo()
    {
        var (code, output, err) = await CliRun.RunAsync("simulate", "--principals", "5", "--days", "x", "--scenarios", "pod-exec,moon-landing");

        Assert.Equal(2, code);
        Assert.Empty(output);
        var lines = CommandRun.Lines(err);
        Assert.Equal(4, lines.Length);
        Assert.Contains("--principals", lines[0], StringComparison.Ordinal);
        Assert.Contains("--days", lines[1], StringComparison.Ordinal);
        Assert.Contains("moon-landing", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("usage: ztstream simulate", lines[3], StringComparison.Ordinal);
    }

    /// <summary>
    /// Through the one runner, what a command finds itself is said under the path of the sub-command run, as a usage
    /// problem is: one run, one shape. Before, <c>sources</c> wrote <c>sources: …</c> beside the runner's
    /// <c>ztstream sources add: …</c>.
    /// </summary>
    [Fact]
    public async Task ACommandsOwnLines_AreUnderTheSubCommandRun_AsTheRunnersAre()
    {
        using var folder = new TempFolder("zt-cli-");
        var db = CliRun.Database(folder);

        var (added, _, said) = await CliRun.RunAsync("sources", "add", "okta", "--kinds", "auth.*", "--subjects", "*@Acme.Example", "--sqlite", db);
        var (revoked, _, refused) = await CliRun.RunAsync("sources", "revoke", "nope", "--sqlite", db);
        var usage = await CliRun.ExitsTwoAsync(CliRun.RunAsync("sources", "update", "okta", "--sqlite", db));

        Assert.Equal((0, 1), (added, revoked));
        var lines = CommandRun.Lines(said);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("ztstream sources add: ", l, StringComparison.Ordinal));
        Assert.StartsWith("ztstream sources add: warning: --subjects '*@Acme.Example'", lines[1], StringComparison.Ordinal);
        Assert.Equal(["ztstream sources revoke: no active source named 'nope'"], CommandRun.Lines(refused));
        Assert.StartsWith("ztstream sources update: give at least one of --kinds", CommandRun.Lines(usage)[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SharedSwitch_AfterAnyCommand_IsConfiguration()
    {
        var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync("sources", "list", "--store", "mysql"));

        Assert.Contains("Store:Kind 'mysql'", Assert.Single(CommandRun.Lines(err)), StringComparison.Ordinal);
    }

    /// <summary>
    /// An output path in a folder that does not exist, or a folder where a file belongs: one line naming the path and
    /// exit 1. Before, the runtime's exception with its stack trace, and the process aborted (exit 134).
    /// </summary>
    [Theory]
    [InlineData("--out", "missing/events.ndjson")]
    [InlineData("--labels", "missing/labels.ndjson")]
    [InlineData("--out", ".")]
    public async Task Simulate_OutputPathThatCannotBeWritten_ExitsOneWithOneLineNamingIt(string option, string relative)
    {
        using var folder = new TempFolder("zt-cli-");
        var path = Path.GetFullPath(Path.Combine(folder.Path, relative));
        var other = option == "--out" ? "--labels" : "--out";

        var (code, _, err) = await CliRun.RunAsync("simulate", "--principals", "20", "--days", "1", "--scenarios", "none", option, path, other, Path.Combine(folder.Path, "other.ndjson"));

        Assert.Equal(1, code);
        var line = Assert.Single(CommandRun.Lines(err));
        Assert.StartsWith("ztstream simulate: ", line, StringComparison.Ordinal);
        Assert.Contains(path.TrimEnd('/'), line, StringComparison.Ordinal);
    }

    /// <summary>
    /// A number option given what is not one of its numbers is named in the user's terms, one line, exit 2: before, a seed
    /// was "as expected type 'System.Int32'", and bench's other numbers an unhandled InvalidOperationException from the
    /// option's validator, its stack trace, exit 134.
    /// </summary>
    [Theory]
    [InlineData("simulate", "--seed", "abc", "--seed must be a whole number from -2147483648 to 2147483647 (got 'abc')")]
    [InlineData("demo", "--seed", "abc", "--seed must be a whole number from -2147483648 to 2147483647 (got 'abc')")]
    [InlineData("simulate-feed", "--seed", "abc", "--seed must be a whole number from -2147483648 to 2147483647 (got 'abc')")]
    [InlineData("bench", "--seed", "abc", "--seed must be a whole number from -2147483648 to 2147483647 (got 'abc')")]
    [InlineData("bench", "--events", "abc", "--events must be a whole number from 1 to 9223372036854775807 (got 'abc')")]
    [InlineData("bench", "--events", "0", "--events must be a whole number from 1 to 9223372036854775807 (got '0')")]
    [InlineData("bench", "--warmup", "-5", "--warmup must be a whole number from 0 to 9223372036854775807 (got '-5')")]
    [InlineData("bench", "--duration", "x", "--duration: 'x' is not a positive number of seconds")]
    [InlineData("bench", "--duration", "0", "--duration: '0' is not a positive number of seconds")]
    public async Task NumberOption_NotOneOfItsNumbers_ExitsTwo_OneLineNamingTheOption(string command, string option, string value, string message)
    {
        var err = await CliRun.ExitsTwoAsync(CliRun.RunAsync(command, option, value));

        Assert.Contains(CommandRun.Lines(err), l => l == $"ztstream {command}: {message}");
        Assert.DoesNotContain("System.", err, StringComparison.Ordinal);
    }

    /// <summary>Ctrl-C (or SIGTERM) in a command that stops by throwing: "stopped" and 130, not an unhandled exception.</summary>
    [Fact]
    public async Task Simulate_StoppedByCtrlC_SaysStoppedAndExits130()
    {
        using var folder = new TempFolder("zt-cli-");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();

        var code = await ZtStreamCli.RunAsync(["simulate", "--principals", "20", "--days", "1", "--out", Path.Combine(folder.Path, "events.ndjson")], stdout, stderr, stop.Token);

        Assert.Equal(130, code);
        Assert.Equal("ztstream simulate: stopped", Assert.Single(CommandRun.Lines(stderr.ToString())));
    }

    [Fact]
    public async Task NoCommand_PrintsHelpAndExitsTwo()
    {
        var (code, output, _) = await CliRun.RunAsync();

        Assert.Equal(2, code);
        Assert.Contains("Commands:", output, StringComparison.Ordinal);
    }
}
