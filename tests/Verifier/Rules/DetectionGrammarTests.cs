using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>Sigma's detection grammar (SigmaHQ rules specification 2.0 and its modifiers appendix), as both formats use it.</summary>
public sealed class DetectionGrammarTests
{
    private static AccessEvent Request(string agent = "curl/8.5", string action = "GET", string ip = "10.1.2.3", int status = 200, string subject = "alice", string? route = "/orders/{id}") => new()
    {
        Id = Guid.NewGuid().ToString(),
        Time = Events.T0,
        Kind = EventKinds.AccessRequest,
        Subject = new Subject { Id = subject },
        UserAgent = agent,
        Action = action,
        Status = status,
        Network = new NetworkInfo { SrcIp = ip },
        Resource = route is null ? null : new ResourceRef { Type = "http_route", Id = route },
    };

    [Theory]
    [InlineData("user_agent: curl/8.5", true)]
    [InlineData("user_agent: CURL/8.5", true)] // case-insensitive by default
    [InlineData("user_agent|cased: CURL/8.5", false)]
    [InlineData("user_agent: curl", false)]
    [InlineData("user_agent: curl*", true)]
    [InlineData("user_agent: c?rl/8.5", true)]
    [InlineData("user_agent: '*8.?'", true)]
    [InlineData("user_agent|contains: rl/8", true)]
    [InlineData("user_agent|startswith: curl/", true)]
    [InlineData("user_agent|startswith: url", false)]
    [InlineData("user_agent|endswith: /8.5", true)]
    [InlineData("user_agent|endswith: /8", false)]
    [InlineData("user_agent: [wget*, 'curl*']", true)]
    [InlineData("user_agent|contains|all: [curl, '8.5']", true)]
    [InlineData("user_agent|contains|all: [curl, '9.9']", false)]
    [InlineData("user_agent|re: '^curl/[0-9]+\\.[0-9]+$'", true)]
    [InlineData("user_agent|re: '^CURL'", false)] // re is case-sensitive by default
    [InlineData("user_agent|re|i: '^CURL'", true)]
    [InlineData("network.src_ip|cidr: 10.0.0.0/8", true)]
    [InlineData("network.src_ip|cidr: [192.168.0.0/16, 172.16.0.0/12]", false)]
    [InlineData("status: 200", true)]
    [InlineData("status|gte: 200", true)]
    [InlineData("status|gt: 200", false)]
    [InlineData("status|lt: 300", true)]
    [InlineData("status|neq: 403", true)]
    [InlineData("status|neq: [200, 204]", false)]
    [InlineData("token.jti: null", true)] // null matches a missing field
    [InlineData("user_agent: null", false)]
    [InlineData("token.jti|exists: false", true)]
    [InlineData("user_agent|exists: true", true)]
    [InlineData("resource.id: '/orders/{id}'", true)]
    [InlineData("resource.id: '/orders/\\{id}'", false)] // a backslash not before a wildcard is itself
    [InlineData("user_agent|fieldref: subject.id", false)]
    [InlineData("subject.id|fieldref: subject.id", true)]
    public void FieldItem_Modifier_MatchesPerSpecification(string selection, bool expected)
    {
        var rule = Detection($"""
            sel:
              {selection}
            condition: sel
            """);
        Assert.Equal(expected, rule.Matches(Request()));
    }

    [Fact]
    public void Wildcard_EscapedAsterisk_IsLiteral()
    {
        var rule = Detection("""
            sel:
              action: '\*'
            condition: sel
            """);
        Assert.True(rule.Matches(Request(action: "*")));
        Assert.False(rule.Matches(Request(action: "GET")));
    }

    [Theory]
    [InlineData("a and b", "curl/8.5", "GET", true)]
    [InlineData("a and b", "curl/8.5", "POST", false)]
    [InlineData("a or b", "wget", "GET", true)]
    [InlineData("a and not b", "curl/8.5", "POST", true)]
    [InlineData("not a and not b", "wget", "POST", true)]
    [InlineData("not (a or b)", "wget", "GET", false)]
    [InlineData("(a or b) and c", "wget", "GET", false)]
    [InlineData("a or b and c", "curl/8.5", "POST", true)] // and binds tighter than or
    [InlineData("1 of sel_*", "wget", "GET", true)]
    [InlineData("all of sel_*", "wget", "GET", false)]
    [InlineData("all of sel_*", "curl/8.5", "GET", true)]
    [InlineData("1 of them", "wget", "POST", false)]
    [InlineData("all of them", "curl/8.5", "GET", false)] // c (status 500) is one of them
    [InlineData("a and not 1 of filter*", "curl/8.5", "DELETE", false)]
    public void Condition_Expression_EvaluatesWithSigmaPrecedence(string condition, string agent, string action, bool expected)
    {
        var rule = Detection($"""
            a:
              user_agent|startswith: curl
            b:
              action: GET
            c:
              status: 500
            sel_agent:
              user_agent|startswith: curl
            sel_action:
              action: GET
            filter_delete:
              action: DELETE
            _private:
              status: 999
            condition: {condition}
            """);
        Assert.Equal(expected, rule.Matches(Request(agent: agent, action: action)));
    }

    [Fact]
    public void Them_LeavesOutUnderscoreSelections()
    {
        var rule = Detection("""
            a:
              action: GET
            _never:
              status: 999
            condition: all of them
            """);
        Assert.True(rule.Matches(Request()));
    }

    [Fact]
    public void Selection_ListOfMaps_IsOr_MapIsAnd()
    {
        var rule = Detection("""
            sel:
              - action: POST
                status: 201
              - action: GET
                status: 200
            condition: sel
            """);
        Assert.True(rule.Matches(Request(action: "GET", status: 200)));
        Assert.False(rule.Matches(Request(action: "GET", status: 201)));
        Assert.False(rule.Matches(Request(action: "POST", status: 200)));
    }

    [Fact]
    public void ConditionList_AnyConditionMatches()
    {
        var rule = Detection("""
            a:
              action: POST
            b:
              status: 200
            condition:
              - a
              - b
            """);
        Assert.True(rule.Matches(Request(action: "GET", status: 200)));
        Assert.False(rule.Matches(Request(action: "GET", status: 500)));
    }

    [Fact]
    public void Keywords_SearchEveryStringOfTheRawObject()
    {
        var rule = Detection("""
            keywords:
              - 'kubectl cp'
              - 'tar xf'
            condition: keywords
            """);
        Assert.True(rule.Matches(WithRaw("""{"requestURI":"/api/v1/namespaces/a/pods/b/exec?command=tar&command=xf","nested":{"cmd":["sh","-c","TAR XF /tmp/x"]}}""")));
        Assert.False(rule.Matches(WithRaw("""{"requestURI":"/api/v1/pods"}""")));
    }

    [Fact]
    public void Keywords_All_NeedsEveryKeyword()
    {
        var rule = Detection("""
            keywords:
              '|all':
                - exec
                - bash
            condition: keywords
            """);
        Assert.True(rule.Matches(WithRaw("""{"a":"pods/exec","b":["/bin/bash"]}""")));
        Assert.False(rule.Matches(WithRaw("""{"a":"pods/exec","b":["/bin/sh"]}""")));
    }

    [Fact]
    public void WinDash_MatchesEveryDashVariant()
    {
        var rule = Detection("""
            sel:
              user_agent|windash|contains: ' -exec'
            condition: sel
            """);
        Assert.True(rule.Matches(Request(agent: "tool /exec x")));
        Assert.True(rule.Matches(Request(agent: "tool \u2013exec x")));
        Assert.True(rule.Matches(Request(agent: "tool -exec x")));
        Assert.False(rule.Matches(Request(agent: "tool +exec x")));
    }

    // pySigma's SigmaWindowsDashModifier varies a dash where \B[-/]\b matches: after a quote, a parenthesis or an equals
    // sign as after a space, but only before a word character; a hyphen inside a word stays a hyphen.
    [Theory]
    [InlineData("'\"-enc'", "x \"/enc\"", true)]
    [InlineData("'\"-enc'", "x \"\u2014enc\"", true)]
    [InlineData("'(-w hidden)'", "ps (/w hidden)", true)]
    [InlineData("'=-x'", "a=\u2015x", true)]
    [InlineData("'a-b'", "a/b", false)]
    [InlineData("'a-b'", "a-b", true)]
    [InlineData("'- '", "/ ", false)]
    [InlineData("'- '", "- ", true)]
    [InlineData("'\u2013enc'", "x -enc", true)] // the appendix converts all five dashes interchangeably
    public void WinDash_VariesTheDashesPySigmaVaries(string value, string agent, bool expected)
    {
        var rule = Detection($"""
            sel:
              user_agent|windash|contains: {value}
            condition: sel
            """);
        Assert.Equal(expected, rule.Matches(Request(agent: agent)));
    }

    [Fact]
    public void Base64Offset_FindsTheValueInsideEncodedText()
    {
        // "curl http://evil" base64-encoded at each of the three offsets inside a longer text.
        var rule = Detection("""
            sel:
              user_agent|base64offset|contains: 'http://evil'
            condition: sel
            """);
        foreach (var prefix in new[] { "", "a", "ab" })
        {
            var encoded = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(prefix + "curl http://evil/x"));
            Assert.True(rule.Matches(Request(agent: "payload=" + encoded)), prefix);
        }

        Assert.False(rule.Matches(Request(agent: Convert.ToBase64String("curl http://good/x"u8.ToArray()))));
    }

    [Fact]
    public void Base64_MatchesTheEncodedValue()
    {
        var rule = Detection("""
            sel:
              user_agent|base64: 'whoami'
            condition: sel
            """);
        Assert.True(rule.Matches(Request(agent: "d2hvYW1p")));
    }

    /// <summary>What Sigma's numeric and time modifiers take still loads: numbers compared, parts of dates, JSON paths as they come.</summary>
    [Theory]
    [InlineData("status|gte: 400")]
    [InlineData("network.dst_port|lt: 1024")]
    [InlineData("time|hour: 3")]
    [InlineData("time|hour|gte: 22")]
    [InlineData("raw.responseStatus.code|gte: 400")]
    [InlineData("attributes.risk|gt: 50")]
    [InlineData("raw.requestReceivedTimestamp|day: 5")]
    public void NumericAndTimeModifiers_OnFieldsThatTakeThem_Load(string item)
    {
        var result = RuleLoader.Load([new RuleSource("a.yaml", $"id: t\ntitle: t\nseverity: low\ndetection:\n  sel:\n    {item}\n  condition: sel\n")]);

        Assert.Empty(result.Errors);
        Assert.Single(result.Rules);
    }

    [Fact]
    public void TimePart_OfTheEventTime_ComparesItsHour()
    {
        var rule = Detection("""
            sel:
              time|hour|gte: 22
            condition: sel
            """);
        Assert.True(rule.Matches(Request() with { Time = new DateTimeOffset(2026, 1, 5, 23, 0, 0, TimeSpan.Zero) }));
        Assert.False(rule.Matches(Request() with { Time = new DateTimeOffset(2026, 1, 5, 21, 59, 0, TimeSpan.Zero) }));
    }

    [Fact]
    public void TimePart_ComparesTheHourOfATimestamp()
    {
        var rule = Detection("""
            sel:
              raw.requestReceivedTimestamp|hour: 3
            condition: sel
            """);
        Assert.True(rule.Matches(WithRaw("""{"requestReceivedTimestamp":"2026-01-05T03:59:00Z"}""")));
        Assert.False(rule.Matches(WithRaw("""{"requestReceivedTimestamp":"2026-01-05T04:00:00Z"}""")));
    }

    internal const string BadAgentsRule = """
        id: bad-agents
        title: Bad agents
        severity: high
        detection:
          sel:
            user_agent|startswith|expand: '%tools%'
          condition: sel
        """;

    /// <summary>The bad-agents rule loaded with the list files after it, in order.</summary>
    private static Rule BadAgentsWith(params RuleSource[] listFiles)
    {
        var result = RuleLoader.Load([new RuleSource("a.yaml", BadAgentsRule), .. listFiles]);
        Assert.Empty(result.Errors);
        return Assert.Single(result.Rules);
    }

    [Fact]
    public void Expand_ResolvesPlaceholdersFromLists()
    {
        var rule = BadAgentsWith(
            new RuleSource("lists1.yaml", "lists:\n  tools: [nmap]\n"),
            new RuleSource("lists2.yaml", "lists:\n  tools: [masscan]\n"));
        Assert.True(rule.Matches(Request(agent: "Nmap Scripting Engine")));
        Assert.True(rule.Matches(Request(agent: "masscan/1.3")));
        Assert.False(rule.Matches(Request(agent: "curl/8")));
    }

    [Fact]
    public void ReplaceLists_DropsWhatEarlierFilesDefined_LaterListsJoinAgain()
    {
        var rule = BadAgentsWith(
            new RuleSource("builtin.yaml", "lists:\n  tools: [nmap, masscan]\n"),
            new RuleSource("site.yaml", "replace_lists:\n  tools: [zgrab]\n"),
            new RuleSource("later.yaml", "lists:\n  tools: [nuclei]\n"));
        Assert.False(rule.Matches(Request(agent: "Nmap Scripting Engine")));
        Assert.False(rule.Matches(Request(agent: "masscan/1.3")));
        Assert.True(rule.Matches(Request(agent: "zgrab/0.x")));
        Assert.True(rule.Matches(Request(agent: "Nuclei - Open-source project")));
    }

    [Fact]
    public void ListsDocument_OtherKey_IsAnError()
    {
        var error = Assert.Single(Errors("lists:\n  tools: [nmap]\nreplace: true\n"));
        Assert.Contains("holds only 'lists' and 'replace_lists'", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("raw.requestObject.data|contains: password", true)]
    [InlineData("raw.requestObject.data|contains: aws_access_key_id", true)]
    [InlineData("raw.requestObject.data|re: 'DB_[A-Z]+\"'", true)]
    [InlineData("raw.requestObject.data|contains: token", false)]
    [InlineData("raw.requestObject.data: '*'", true)]
    [InlineData("raw.requestObject.data|neq: x", false)]
    public void ObjectValue_TextTestsSeeItsJsonText_KeysIncluded(string selection, bool expected)
    {
        var rule = Detection($"""
            sel:
              {selection}
            condition: sel
            """);
        var e = WithRaw("""{"requestObject":{"kind":"ConfigMap","data":{"DB_PASSWORD":"x","app.properties":"aws_access_key_id = A\n"}}}""");
        Assert.Equal(expected, rule.Matches(e));
    }

    [Theory]
    [InlineData("sel | count() by subject.id > 10", "aggregation expression '| count() by subject.id > 10' is not supported")]
    [InlineData("sel near other", "'near' is not supported")]
    [InlineData("missing", "'missing' is not a selection")]
    [InlineData("1 of nothing*", "no selection matches 'nothing*'")]
    [InlineData("2 of sel*", "'2 of' is not supported")]
    [InlineData("(sel", "'(' without ')'")]
    [InlineData("sel and", "ends where a selection name")]
    public void Condition_Unsupported_IsAnErrorNamingTheConstruct(string condition, string message)
    {
        var error = ErrorOf($"sel:\n  action: GET\ncondition: {condition}");
        Assert.Contains(message, error.Reason, StringComparison.Ordinal);
        Assert.Equal(7, error.Line);
        Assert.Equal("t", error.RuleId);
    }

    [Theory]
    [InlineData("raw.rules|covers: '*/0 tcp 22'", true)] // 0.0.0.0/0 tcp 20-25 holds 22
    [InlineData("raw.rules|covers: '*/0 tcp 20'", true)] // the range's ends are in it
    [InlineData("raw.rules|covers: '*/0 tcp 26'", false)]
    [InlineData("raw.rules|covers: '*/0 TCP 3389'", true)] // ::/0 tcp 3389: case ignored
    [InlineData("raw.rules|cased|covers: '*/0 TCP 3389'", false)]
    [InlineData("raw.rules|covers: '*/0 udp 53'", false)] // udp is opened only to 10.0.0.0/8
    [InlineData("raw.rules|covers: '10.0.0.0/8 udp 53'", true)]
    [InlineData("raw.rules|covers: '*/0 tcp 2222'", false)] // 3389 is one port, not a prefix of a range
    [InlineData("raw.rules|covers: '22'", false)] // a value with text before its range needs text before the number
    [InlineData("raw.ports|covers: 22", true)] // "20-25", the JSON number 22
    [InlineData("raw.ports|covers: 8080", true)]
    [InlineData("raw.ports|covers: 8081", false)]
    [InlineData("raw.ports|covers: 30", false)] // "30-20" is written backwards: it holds nothing
    [InlineData("raw.ports|covers: [443, 3306]", false)]
    [InlineData("raw.ports|neq|covers: 22", true)] // 8080 and the text that is no range do not hold it
    [InlineData("raw.rules|expand|covers: '*/0 tcp %admin%'", true)]
    public void Covers_ARangeInTheValue_HoldsTheNumber(string selection, bool expected)
    {
        var rule = One($"""
            lists:
              admin: [3389, 5900]
            ---
            id: t
            title: t
            severity: high
            detection:
              sel:
                {selection}
              condition: sel
            """);
        var e = WithRaw("""{"rules": ["0.0.0.0/0 tcp 20-25", "::/0 tcp 3389-3389", "10.0.0.0/8 udp 0-65535"], "ports": ["20-25", 8080, "30-20", "x-y"]}""");
        Assert.Equal(expected, rule.Matches(e));
    }

    [Theory]
    [InlineData("action|sha256: x", "unknown modifier 'sha256'")]
    [InlineData("action|utf16le: x", "utf16le without base64")]
    [InlineData("action|re|contains: x", "do not combine")]
    [InlineData("action|expand: '%nolist%'", "placeholder %nolist% names no list")]
    [InlineData("network.src_ip|cidr: 10.0.0.0/99", "is not a CIDR network")]
    [InlineData("raw.x|covers: ssh", "covers takes a whole number, alone or after the text it goes with ('22', '*/0 tcp 22'); 'ssh' ends in no whole number")]
    [InlineData("raw.x|covers: '-1'", "'-1' ends in no whole number")]
    [InlineData("raw.x|covers|contains: 22", "covers combines only with all, neq, cased and expand")]
    [InlineData("raw.x|covers|re: 22", "covers combines only with all, neq, cased and expand")]
    [InlineData("raw.x|covers|cidr: 22", "covers combines only with all, neq, cased and expand")]
    [InlineData("raw.x|covers|gte: 22", "covers combines only with all, neq, cased and expand")]
    [InlineData("status|gt: many", "'many' is not a number")]
    [InlineData("action|re: '('", "is not valid")]
    [InlineData("nosuchfield: x", "unknown field 'nosuchfield'")]
    [InlineData("action|exists: maybe", "exists takes true or false")]
    // Sigma modifiers appendix 2.1: numeric modifiers take numbers, time modifiers dates; a canonical field's type is known.
    [InlineData("subject.id|gt: 100", "'subject.id|gt': gt compares numbers and 'subject.id' is text")]
    [InlineData("resource.id|lte: 5", "'resource.id|lte': lte compares numbers and 'resource.id' is text")]
    [InlineData("time|gte: 1700000000", "'time|gte': gte compares numbers and 'time' is a date: compare a part of it ('time|hour|gte: 22')")]
    [InlineData("user_agent|hour: 3", "'user_agent|hour': hour takes a part of a date and 'user_agent' is text, never a date")]
    [InlineData("action|year|gte: 2026", "'action|year|gte': year takes a part of a date and 'action' is text, never a date")]
    [InlineData("status|minute: 3", "'status|minute': minute takes a part of a date and 'status' is a number, never a date")]
    [InlineData("bytes|week: 3", "'bytes|week': week takes a part of a date and 'bytes' is a number")]
    public void Modifier_Unsupported_IsAnErrorWithTheFieldsLine(string item, string message)
    {
        var error = ErrorOf($"sel:\n  {item}\ncondition: sel");
        Assert.Contains(message, error.Reason, StringComparison.Ordinal);
        Assert.Equal(6, error.Line);
    }
}
