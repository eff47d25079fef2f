using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// The Sigma rules specification (2.0) and its modifiers appendix (2.1.0) item by item, on values of the shapes real
/// records have: missing, null, empty, lists, numbers written as text, case, non-ASCII text, escapes. Each case is what
/// the specification says, not what ZtStream happened to do.
/// </summary>
public sealed class SigmaSpecificationTests
{
    private const string Record = """
        {
          "name": "Kube-Proxy",
          "empty": "",
          "nothing": null,
          "star": "a*b",
          "query": "a?b",
          "path": "C:\\Windows\\System32\\cmd.exe",
          "slashstar": "C:\\Temp\\*",
          "port": "443",
          "count": 12,
          "ratio": 1.5,
          "flag": true,
          "verbs": ["get", "list", "watch"],
          "nested": [{"image": "registry.example.com/app:1"}, {"image": "docker.io/evil:latest"}],
          "emptylist": [],
          "city": "Zürich",
          "greek": "ΣΊΣΥΦΟΣ",
          "ip4": "10.20.30.40",
          "ip6": "2001:DB8:0:0:8:800:200C:417A",
          "ip6short": "fe80::1",
          "text": "first line\nsecond line",
          "same1": "Alice",
          "same2": "alice",
          "other": "bob",
          "percent": "50%off"
        }
        """;

    private static bool Eval(string selection, string? condition = null, string record = Record, string? extra = null)
    {
        var rule = Detection($"""
            {selection}
            {extra ?? ""}
            condition: {condition ?? "sel"}
            """);
        return rule.Matches(WithRaw(record));
    }

    private static bool Item(string item) => Eval($"sel:\n  {item}");

    [Theory]
    // Special values: '' is the empty string, null is a missing field or JSON null.
    [InlineData("raw.empty: ''", true)]
    [InlineData("raw.nothing: ''", false)]
    [InlineData("raw.absent: ''", false)]
    [InlineData("raw.name: ''", false)]
    [InlineData("raw.nothing: null", true)]
    [InlineData("raw.absent: null", true)]
    [InlineData("raw.empty: null", false)]
    [InlineData("raw.name: null", false)]
    [InlineData("raw.name: [null, kube-proxy]", true)]
    [InlineData("raw.absent: [null, kube-proxy]", true)]
    // exists: presence only, "not its value, be it empty or null".
    [InlineData("raw.nothing|exists: true", true)]
    [InlineData("raw.nothing|exists: false", false)]
    [InlineData("raw.empty|exists: true", true)]
    [InlineData("raw.absent|exists: true", false)]
    [InlineData("raw.absent|exists: false", true)]
    [InlineData("raw.emptylist|exists: true", true)]
    // Case-insensitive by default, Unicode included; cased is exact.
    [InlineData("raw.name: kube-proxy", true)]
    [InlineData("raw.name|cased: kube-proxy", false)]
    [InlineData("raw.name|cased: Kube-Proxy", true)]
    [InlineData("raw.city: ZÜRICH", true)]
    [InlineData("raw.city|cased: ZÜRICH", false)]
    [InlineData("raw.greek: σίσυφοσ", true)]
    [InlineData("raw.city: 'Z?rich'", true)] // ? is one character, not one byte
    [InlineData("raw.city|startswith: zü", true)]
    // Wildcards and the escaping rules, from the specification's own list.
    [InlineData("raw.star: 'a\\*b'", true)]
    [InlineData("raw.name: 'k\\*'", false)]
    [InlineData("raw.query: 'a\\?b'", true)]
    [InlineData("raw.star: 'a\\?b'", false)]
    [InlineData("raw.path: 'C:\\Windows\\System32\\cmd.exe'", true)] // a plain backslash: single …
    [InlineData("raw.path: 'C:\\\\Windows\\\\System32\\\\cmd.exe'", true)] // … or double
    [InlineData("raw.path|endswith: '\\cmd.exe'", true)]
    [InlineData("raw.slashstar: 'C:\\\\Temp\\\\*'", true)] // \\* : a backslash, then a wildcard
    [InlineData("raw.path: 'C:\\\\Windows\\\\*'", true)]
    [InlineData("raw.slashstar: 'C:\\Temp\\\\\\*'", true)] // \\\* : a backslash and a plain asterisk
    [InlineData("raw.path: 'C:\\Windows\\\\\\*'", false)]
    [InlineData("raw.name: '*'", true)]
    [InlineData("raw.empty: '*'", true)]
    [InlineData("raw.nothing: '*'", false)]
    [InlineData("raw.absent: '*'", false)]
    [InlineData("raw.name: 'kube*proxy'", true)]
    [InlineData("raw.name: 'kube?proxy'", true)]
    [InlineData("raw.name: 'kube??proxy'", false)]
    // Numbers: a value matches a number written as text and the other way round.
    [InlineData("raw.port: 443", true)]
    [InlineData("raw.count: '12'", true)]
    [InlineData("raw.count: 12", true)]
    [InlineData("raw.count|gt: 11", true)]
    [InlineData("raw.count|lte: 11", false)]
    [InlineData("raw.port|gte: 443", true)]
    [InlineData("raw.port|lt: 443", false)]
    [InlineData("raw.ratio|gt: 1", true)]
    [InlineData("raw.name|gt: 1", false)] // not a number: no comparison holds
    [InlineData("raw.flag: true", true)]
    [InlineData("raw.flag: 'TRUE'", true)]
    // Lists in the record: any element counts, for every modifier.
    [InlineData("raw.verbs: list", true)]
    [InlineData("raw.verbs: [create, watch]", true)]
    [InlineData("raw.verbs: delete", false)]
    [InlineData("raw.verbs|all: [get, list]", true)]
    [InlineData("raw.verbs|all: [get, delete]", false)]
    [InlineData("raw.verbs|contains|all: [ge, at]", true)] // each value in some element
    [InlineData("raw.verbs|contains|all: [ge, del]", false)]
    [InlineData("raw.nested.image|startswith: docker.io/", true)]
    [InlineData("raw.nested[*].image|neq|startswith: registry.example.com/", true)]
    [InlineData("raw.nested[0].image|neq|startswith: registry.example.com/", false)]
    [InlineData("raw.emptylist: '*'", false)]
    // Values lists are OR; all makes them AND.
    [InlineData("raw.name|contains: [proxy, nothing-here]", true)]
    [InlineData("raw.name|contains|all: [kube, proxy]", true)]
    [InlineData("raw.name|contains|all: [kube, dns]", false)]
    [InlineData("raw.name|startswith: [x, kube]", true)]
    [InlineData("raw.name|endswith: [PROXY]", true)]
    // Regular expressions: case-sensitive, found anywhere, i m s sub-modifiers.
    [InlineData("raw.name|re: 'Proxy'", true)]
    [InlineData("raw.name|re: 'proxy'", false)]
    [InlineData("raw.name|re|i: '^KUBE-'", true)]
    [InlineData("raw.text|re: '^second'", false)]
    [InlineData("raw.text|re|m: '^second'", true)]
    [InlineData("raw.text|re: 'line.second'", false)]
    [InlineData("raw.text|re|s: 'line.second'", true)]
    [InlineData("raw.verbs|re: '^w'", true)]
    [InlineData("raw.count|re: '^1[0-9]$'", true)]
    // cidr, IPv4 and IPv6, any case and compression.
    [InlineData("raw.ip4|cidr: 10.0.0.0/8", true)]
    [InlineData("raw.ip4|cidr: 10.20.30.0/25", true)]
    [InlineData("raw.ip4|cidr: 10.20.30.128/25", false)]
    [InlineData("raw.ip6|cidr: 2001:db8::/32", true)]
    [InlineData("raw.ip6|cidr: 2001:db9::/32", false)]
    [InlineData("raw.ip6short|cidr: fe80::/10", true)]
    [InlineData("raw.ip6short|cidr: 10.0.0.0/8", false)]
    [InlineData("raw.ip4|cidr: '::/0'", false)]
    [InlineData("raw.name|cidr: 10.0.0.0/8", false)]
    [InlineData("raw.ip4|cidr: [192.168.0.0/16, 10.0.0.0/8]", true)]
    // neq (2.1): different from every value listed, strings or numbers.
    [InlineData("raw.name|neq: kube-proxy", false)]
    [InlineData("raw.name|neq: [kube-dns, coredns]", true)]
    [InlineData("raw.count|neq: 12", false)]
    [InlineData("raw.count|neq: 13", true)]
    // fieldref: another field's value, case-insensitively unless cased; with neq (2.1).
    [InlineData("raw.same1|fieldref: raw.same2", true)]
    [InlineData("raw.same1|fieldref|cased: raw.same2", false)]
    [InlineData("raw.same1|fieldref: raw.other", false)]
    [InlineData("raw.same1|fieldref: raw.absent", false)]
    [InlineData("raw.same1|neq|fieldref: raw.other", true)]
    [InlineData("raw.same1|fieldref|neq: raw.same2", false)]
    public void FieldItem_SpecifiedShape_MatchesAsSpecified(string item, bool expected) => Assert.Equal(expected, Item(item));

    [Theory]
    // A Sigma number is a number: the record's JSON number of the same value matches, however either is written. It was
    // compared as text, so a rule's 12 missed a producer's 12.0, and 1.50 missed 1.5.
    [InlineData("raw.n: 12", """{"n":12.0}""", true)]
    [InlineData("raw.n: 12", """{"n":1.2e1}""", true)]
    [InlineData("raw.n: 12.0", """{"n":12}""", true)]
    [InlineData("raw.n: 1.50", """{"n":1.5}""", true)]
    [InlineData("raw.n: 1e3", """{"n":1000}""", true)]
    [InlineData("raw.n: -0.5", """{"n":-5e-1}""", true)]
    [InlineData("raw.n: [7, 12]", """{"n":[3, 12.00]}""", true)]
    [InlineData("raw.n: 13", """{"n":12.0}""", false)]
    [InlineData("raw.n: 13", """{"n":12}""", false)] // two integers: their texts decide, no parse
    [InlineData("raw.n: 0", """{"n":-0}""", true)] // but 0 and -0, one value spelt two ways
    [InlineData("raw.n: -0", """{"n":0}""", true)]
    [InlineData("raw.n: 120", """{"n":12e1}""", true)]
    [InlineData("raw.n|neq: 12", """{"n":12.0}""", false)]
    [InlineData("raw.n: 12345678901234567890", """{"n":12345678901234567891}""", false)] // one double, two numbers
    [InlineData("raw.n: 12345678901234567890", """{"n":12345678901234567890}""", true)]
    [InlineData("raw.n: 12", """{"n":"12.0"}""", false)] // text stays text
    [InlineData("raw.n: '+12'", """{"n":12}""", false)] // not a JSON number: text
    [InlineData("raw.n|contains: 12", """{"n":12.0}""", true)]
    [InlineData("raw.n|startswith: '12.0'", """{"n":12}""", false)] // only equality is numeric
    public void FieldItem_Number_EqualsTheSameNumberWrittenOtherwise(string item, string record, bool expected) =>
        Assert.Equal(expected, Eval($"sel:\n  {item}", record: record));

    [Theory]
    // A list in a list is searched element by element, as a name met on a list of lists already was (raw.a.b through
    // [[{"b": …}]]); the field's own value once stopped at the outer list, so [["y", "x"]] never held x.
    [InlineData("raw.lists: x", true)]
    [InlineData("raw.lists: q", false)]
    [InlineData("raw.lists|startswith: Z", true)]
    [InlineData("raw.lists|all: [x, z]", true)]
    [InlineData("raw.lists|neq: y", true)]
    [InlineData("raw.deep: w", true)]
    [InlineData("raw.objs.b: v", true)]
    [InlineData("raw.lists[0]: x", true)]
    [InlineData("raw.lists[1]: x", false)]
    [InlineData("raw.empties: '*'", false)]
    public void FieldItem_ListOfLists_IsSearchedElementByElement(string item, bool expected) =>
        Assert.Equal(expected, Eval($"sel:\n  {item}", record: """{"lists":[["y","x"],["z"]],"deep":[[["w"]]],"objs":[[{"b":"v"}]],"empties":[[],[]]}"""));

    [Theory]
    // Escaped JSON text is compared unescaped: Go's encoder writes '&' as \u0026 in every audit event's requestURI, and a
    // Windows path has \\ for each backslash. The byte-level fast path once compared the escaped bytes.
    [InlineData("raw.uri: '/api/v1/pods?limit=500&watch=true'", true)]
    [InlineData("raw.uri|startswith: '/api/v1/pods?limit=500&'", true)]
    [InlineData("raw.uri|endswith: '&watch=true'", true)]
    [InlineData("raw.uri|endswith: '\\u0026watch=true'", false)]
    [InlineData("raw.quote: 'say \"hi\"'", true)]
    [InlineData("raw.quote|startswith: 'say \"'", true)]
    [InlineData("raw.accent: café", true)]
    [InlineData("raw.accent|startswith: CAF", true)]
    [InlineData("raw.win|endswith: '\\system32'", true)]
    [InlineData("raw.win: 'c:\\windows\\system32'", true)]
    public void FieldItem_EscapedJsonString_MatchesItsText(string item, bool expected)
    {
        const string record = """{"uri":"/api/v1/pods?limit=500\u0026watch=true","quote":"say \"hi\"","accent":"caf\u00e9","win":"C:\\Windows\\System32"}""";
        Assert.Equal(expected, Eval($"sel:\n  {item}", record: record));
    }

    [Theory]
    // Precedence, loosest first: or, and, not, x of, parentheses.
    [InlineData("a or b and c", true)] // a or (b and c)
    [InlineData("(a or b) and c", false)]
    [InlineData("not a and b", false)] // (not a) and b
    [InlineData("not (a and c)", true)]
    [InlineData("not a or b", true)]
    [InlineData("not not a", true)]
    [InlineData("b and not c or a", true)]
    [InlineData("c or not a and b", false)]
    [InlineData("((a) and ((b) or (c)))", true)]
    [InlineData("not(a)", false)]
    [InlineData("1 of sel_* and c", false)]
    [InlineData("1 of sel_* and not c", true)]
    [InlineData("all of sel_*", false)]
    [InlineData("all of sel_y*", true)]
    [InlineData("not 1 of sel_*", false)]
    [InlineData("not all of sel_*", true)]
    [InlineData("1 of them", true)]
    [InlineData("all of them", false)]
    [InlineData("1 of sel_* and not 1 of c*", true)]
    [InlineData("a and _hidden", false)]
    public void Condition_SpecificationExpression_EvaluatesWithItsPrecedence(string condition, bool expected)
    {
        // a, b and the sel_y* selections match the record; c and sel_n do not; _hidden matches but stays out of 'them'.
        var selections = """
            a:
              raw.name: kube-proxy
            b:
              raw.port: 443
            c:
              raw.name: coredns
            sel_yes:
              raw.verbs: get
            sel_yes2:
              raw.city: zürich
            sel_no:
              raw.verbs: delete
            _hidden:
              raw.name: nobody
            """;
        Assert.Equal(expected, Eval(selections, condition));
    }

    [Fact]
    public void AllOfThem_LeavesOutUnderscoreSelections_ButNamedPatternsReachThem()
    {
        var selections = """
            a:
              raw.name: kube-proxy
            _filter:
              raw.name: coredns
            """;
        Assert.True(Eval(selections, "all of them"));
        Assert.False(Eval(selections, "all of *"));
        Assert.True(Eval(selections, "a and not _filter"));
    }

    [Fact]
    public void Keywords_AllModifier_NeedsEveryKeyword_FromTheSpecificationExample()
    {
        var keywords = """
            keywords_cmdlet:
              '|all':
                - 'OabVirtualDirectory'
                - ' -ExternalUrl '
            """;
        var rule = Detection(keywords + "\ncondition: keywords_cmdlet");
        Assert.True(rule.Matches(WithRaw("""{"cmd":"Set-OabVirtualDirectory -ExternalUrl 'http://x'"}""")));
        Assert.False(rule.Matches(WithRaw("""{"cmd":"Set-OabVirtualDirectory -InternalUrl 'http://x'"}""")));
        Assert.True(rule.Matches(WithRaw("""{"a":"oabvirtualdirectory","b":{"c":["x -externalurl y"]}}""")));
    }

    [Theory]
    // "field|expand: \%plain%name%" handles %plain as plain value and %name% as placeholder.
    [InlineData("raw.percent|expand: '50\\%%units%'", """{"percent":"50%off"}""", true)]
    [InlineData("raw.percent|expand: '50\\%%units%'", """{"percent":"50off"}""", false)]
    [InlineData("raw.percent|expand: '%units%'", """{"percent":"on"}""", true)]
    [InlineData("raw.percent|expand|contains: '%units%'", """{"percent":"switch it ON now"}""", true)]
    [InlineData("raw.percent: '%units%'", """{"percent":"%units%"}""", true)] // no expand: a plain value
    [InlineData("raw.percent: '%units%'", """{"percent":"on"}""", false)]
    public void Expand_Placeholder_IsReplacedAndAnEscapedPercentIsPlain(string item, string record, bool expected)
    {
        var result = RuleLoader.Load([
            new RuleSource("lists.yaml", "lists:\n  units: ['on', 'off']\n"),
            new RuleSource("r.yaml", $"""
                id: t
                title: T
                severity: high
                detection:
                  sel:
                    {item}
                  condition: sel
                """),
        ]);
        Assert.Empty(result.Errors);
        Assert.Equal(expected, Assert.Single(result.Rules).Matches(WithRaw(record)));
    }

    [Theory]
    // SigmaHQ's "Detect Compiler Execution Within Kubernetes Containers" (2024) selects file_path, which no audit Event has.
    [InlineData("file_path: ['*gcc*', '*javac*']", "field 'file_path' is not a field of a Kubernetes audit Event")]
    [InlineData("objectref.resource: pods", null)] // members in any case, as they are read
    [InlineData("annotations.authorization.k8s.io/decision: allow", null)]
    [InlineData("sourceIPs[0]|cidr: 10.0.0.0/8", null)]
    [InlineData("apiGroup: rbac.authorization.k8s.io", null)]
    [InlineData("hostPath.path|startswith: /var/run", "field 'hostPath.path' is not a field")] // hostPath alone is mapped, as SigmaHQ writes it
    public void KubernetesAudit_FieldOutsideTheEvent_IsRefusedNamingIt(string item, string? message)
    {
        var result = RuleLoader.Load([new RuleSource("k8s.yml", $"""
            title: T
            id: e6dc178a-a6f8-40b6-9244-8ecdb2845ff8
            logsource:
                category: application
                product: kubernetes
                service: audit
            detection:
                selection:
                    {item}
                condition: selection
            level: low
            """)]);
        if (message is null)
        {
            Assert.Empty(result.Errors);
            return;
        }

        var error = Assert.Single(result.Errors);
        Assert.Contains(message, error.Reason, StringComparison.Ordinal);
        Assert.Equal(9, error.Line);
    }

    [Theory]
    [InlineData("sel:\n  raw.name|all: [a]\ncondition: sel", null)] // harmless: one value
    [InlineData("sel:\n  raw.name: x\ncondition: 1 of nothing_*", "no selection matches 'nothing_*'")]
    [InlineData("sel:\n  raw.name: x\ncondition: 3 of sel", "'3 of' is not supported")]
    [InlineData("sel:\n  raw.name: x\ncondition: sel and (sel or", "ends where a selection name")]
    [InlineData("sel:\n  raw.name: x\ncondition: sel)", "unexpected ')'")]
    [InlineData("sel:\n  raw.name: x\ncondition: sel sel", "unexpected 'sel'")]
    [InlineData("sel:\n  raw.name: x\ncondition: not", "ends where a selection name")]
    [InlineData("sel:\n  raw.name|re|i|contains: x\ncondition: sel", "do not combine")]
    [InlineData("sel:\n  raw.name|expand: '%undefined%'\ncondition: sel", "%undefined% names no list")]
    [InlineData("sel:\n  raw.name|fieldref|contains: raw.other\ncondition: sel", "fieldref combines only with neq, cased and all")]
    [InlineData("sel:\n  raw.name|startswith|fieldref: raw.other\ncondition: sel", "fieldref combines only with neq, cased and all")]
    [InlineData("sel:\n  raw.name|fieldref|re: raw.other\ncondition: sel", "fieldref combines only with neq, cased and all")]
    [InlineData("sel:\n  raw.name|cidr: 2001:db8::/129\ncondition: sel", "is not a CIDR network")]
    [InlineData("sel:\n  raw.name|exists: [true, false]\ncondition: sel", "exists takes true or false")]
    [InlineData("sel:\n  - x\n  - null\ncondition: sel", "a keyword cannot be null")]
    [InlineData("sel:\n  raw.name: {a: b}\ncondition: sel", "not a map")]
    [InlineData("sel:\n  raw.name: []\ncondition: sel", "an empty list of values matches nothing")]
    public void Construct_OutsideTheSpecification_IsRefusedNamingIt(string detection, string? message)
    {
        var result = RuleLoader.Load([new RuleSource("r.yaml", $"id: t\ntitle: T\nseverity: low\ndetection:\n{Indent(detection)}\n")]);
        if (message is null)
        {
            Assert.Empty(result.Errors);
            return;
        }

        var error = Assert.Single(result.Errors);
        Assert.Contains(message, error.Reason, StringComparison.Ordinal);
        Assert.Equal("t", error.RuleId);
        Assert.True(error.Line >= 5, $"line {error.Line}");
    }

    // pySigma loads rules with PyYAML (YAML 1.1), whose resolver reads these plain scalars as booleans and numbers; here
    // they would be their text. Refused in both formats, naming the field and both readings; quoted, they are text.
    [Theory]
    [InlineData("yes", "is the boolean true in YAML 1.1", "or write true")]
    [InlineData("Off", "is the boolean false in YAML 1.1", "or write false")]
    [InlineData("0x1F", "is the number 31 in YAML 1.1", "or write 31")]
    [InlineData("017", "is the number 15 in YAML 1.1", "or write 15")]
    [InlineData("1_000", "is the number 1000 in YAML 1.1", "or write 1000")]
    [InlineData("+12", "is the number 12 in YAML 1.1", "or write 12")]
    [InlineData("0b101", "is the number 5 in YAML 1.1", "or write 5")]
    [InlineData("1:30", "is the number 90 in YAML 1.1", "or write 90")]
    [InlineData(".5", "is the number 0.5 in YAML 1.1", "or write 0.5")]
    [InlineData("[a, on]", "the unquoted value on is the boolean true", "quote it ('on')")]
    public void Yaml11Scalar_ReadTwoWays_IsRefusedInBothFormats(string value, string reading, string advice)
    {
        var sigma = Assert.Single(RuleLoader.Load([new RuleSource("r.yml", $"""
            title: T
            id: e6dc178a-a6f8-40b6-9244-8ecdb2845ff8
            logsource:
                product: kubernetes
                service: audit
            detection:
                selection:
                    verb: {value}
                condition: selection
            level: low
            """)]).Errors);
        var ztstream = Assert.Single(RuleLoader.Load([new RuleSource("r.yaml", $"id: t\ntitle: T\nseverity: low\ndetection:\n  sel:\n    raw.flag: {value}\n  condition: sel\n")]).Errors);
        foreach (var (error, field) in new[] { (sigma, "'verb'"), (ztstream, "'raw.flag'") })
        {
            Assert.Contains(field, error.Reason, StringComparison.Ordinal);
            Assert.Contains(reading, error.Reason, StringComparison.Ordinal);
            Assert.Contains(advice, error.Reason, StringComparison.Ordinal);
            Assert.NotNull(error.RuleId);
        }
    }

    [Theory]
    [InlineData("raw.flag: 'yes'", """{"flag":"YES"}""", true)]
    [InlineData("raw.flag: 'yes'", """{"flag":true}""", false)]
    [InlineData("raw.flag: true", """{"flag":true}""", true)]
    [InlineData("raw.code: '0x1F'", """{"code":"0x1f"}""", true)]
    [InlineData("raw.code: 31", """{"code":31}""", true)]
    [InlineData("raw.code: 12", """{"code":"12"}""", true)]
    [InlineData("raw.code: -1.5", """{"code":-1.5}""", true)]
    [InlineData("raw.code|gt: +12", """{"code":13}""", true)] // a comparison reads +12 as 12, as YAML 1.1 does
    public void Yaml11Scalar_QuotedOrReadAlike_LoadsAndMatches(string item, string record, bool expected) =>
        Assert.Equal(expected, Eval($"sel:\n  {item}", record: record));

    [Fact]
    public void Yaml11Scalar_ComparedAsAnotherNumber_IsRefused()
    {
        var error = ErrorOf("sel:\n  raw.code|gt: 017\ncondition: sel");
        Assert.Contains("is the number 15 in YAML 1.1", error.Reason, StringComparison.Ordinal);
    }

    // An object is matched by its JSON text, which one source writes escaped (the API server's Go encoder: & < > as
    // \u0026 \u003c \u003e) and another plainly, compact or spread out: one object, one verdict.
    [Theory]
    [InlineData("raw.d|contains: 'a && b'")]
    [InlineData("raw.d|contains: '<script>'")]
    [InlineData("raw.d|contains: 'café'")]
    [InlineData("raw.d|contains: '\"k\":\"a && b <script> café\"'")]
    public void ObjectText_EscapedOrPlain_GivesOneVerdict(string item)
    {
        foreach (var record in new[]
        {
            """{"d":{"k":"a && b <script> café"}}""",
            """{"d":{"k":"a \u0026\u0026 b \u003cscript\u003e caf\u00e9"}}""",
            """{"d": { "k" : "a && b <script> café" } }""",
        })
        {
            Assert.True(Eval($"sel:\n  {item}", record: record), record);
        }
    }
}
