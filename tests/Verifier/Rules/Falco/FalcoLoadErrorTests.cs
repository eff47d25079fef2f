using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// What cannot be loaded is reported, never skipped: each error names the file, the line of the item, the rule,
/// and the construct at fault; the other rules of the file still load.
/// </summary>
public sealed class FalcoLoadErrorTests
{
    private const string File = "local_rules.yaml";

    // Lines 1-6: a good rule; the rule under test starts on line 7.
    private const string GoodRule = """
        - rule: Good Rule
          desc: loads whatever else is wrong
          condition: ka.verb=create
          output: created by %ka.user.name
          priority: NOTICE
          source: k8s_audit

        """;

    public static TheoryData<string, string, string[]> BadConditions => new()
    {
        { "unknown field", "ka.verb=create and ka.user.nme=alice", ["unknown field 'ka.user.nme'"] },
        { "syscall field", "evt.type=execve", ["field 'evt.type' is a syscall field, read from Tetragon's process execs: a rule of source k8s_audit cannot use it"] },
        { "unknown operator", "ka.verb like create", ["expected an operator after 'ka.verb'", "like create"] },
        { "unbalanced parenthesis", "(ka.verb=create and ka.target.resource=pods", ["expected ')'"] },
        { "dangling and", "ka.verb=create and", ["expected a blank or '(' after 'and'"] },
        { "dangling not", "ka.verb=create and not ", ["undefined macro 'not'"] },
        { "empty parentheses", "ka.verb=create and ()", ["expected a check, a macro or '(', found ')'"] },
        { "missing value", "ka.verb = ", ["expected a value after '='"] },
        { "numeric operator without number", "ka.response.code > abc", ["expected a number after '>'"] },
        { "undefined macro", "kcreate and ka.target.resource=pods", ["undefined macro 'kcreate'"] },
        { "transformer not closed", "tolower(ka.user.name = alice", ["expected ')' closing 'tolower('"] },
        { "transformer without a field", "tolower(admin) = alice", ["expected a field or a transformer", "inside 'tolower(…)'"] },
        { "transformer of a length", "tolower(len(ka.user.name)) = 3", ["transformer 'tolower' cannot take the number that len() gives", "(column 1)"] },
        { "string operator on a length", "len(ka.user.name) contains 3", ["'contains' does not compare numbers", "len(ka.user.name) contains"] },
        { "length against a word", "len(ka.user.groups) = many", ["len() gives a number, and 'many' is not one"] },
        { "length against a word in a list", "len(ka.user.groups) in (1, two)", ["len() gives a number, and 'two' is not one"] },
        { "transformer inside val", "ka.user.name = val(tolower(ka.impuser.name))", ["val takes a field, not a transformer"] },
        { "val of a list field", "ka.user.name = val(ka.user.groups)", ["'ka.user.groups' is a list field"] },
        { "val with a list operator", "ka.user.name in val(ka.impuser.name)", ["'in' cannot compare with a field ('ka.impuser.name')"] },
        { "val with regex", "ka.user.name regex val(ka.impuser.name)", ["'regex' cannot compare with a field"] },
        { "number against a string field", "len(ka.user.name) = val(ka.impuser.name)", ["compares a number with a string"] },
        { "unknown field in val", "ka.user.name = val(ka.impuser.nme)", ["unknown field 'ka.impuser.nme'"] },
        { "index argument not a number", "ka.req.pod.containers.image[first] = nginx", ["takes an index argument", "ka.req.pod.containers.image[first]"] },
        { "argument missing", "jevt.value exists", ["field 'jevt.value' needs an argument"] },
        { "argument not taken", "ka.verb[0] = create", ["field 'ka.verb' takes no argument"] },
        { "bcontains without hex", "ka.verb bcontains xyz", ["'bcontains' needs a hexadecimal byte string, got 'xyz'", "ka.verb bcontains"] },
        { "bad regex", "ka.verb regex \"(unclosed\"", ["invalid regular expression"] },
        { "trailing garbage", "ka.verb=create )", ["unexpected ')"] },
        { "unterminated string", "ka.user.name = \"alice", ["unterminated string"] },
        // libsinsp refuses every escape but \b \f \n \r \t \\ \/ \xHH, a blank and the enclosing quote: a regex's \d taken
        // as the letter d would load a rule that matches something else.
        { "regex escape libsinsp refuses", "ka.uri regex \"/api/v1/pods/\\d+\"", ["unsupported escape sequence '\\d'", "column 28"] },
        { "other quote escaped", "ka.uri contains \"a\\'b\"", ["unsupported escape sequence '\\''"] },
        { "escaped bytes not UTF-8", "ka.uri contains \"\\xff\\xfe\"", ["the escaped bytes \\xFF\\xFE are not UTF-8 text"] },
        { "escaped NUL", "ka.uri contains \"a\\x00\"", ["'\\x00' is accepted only for byte buffers"] },
    };

    [Theory]
    [MemberData(nameof(BadConditions))]
    public void Condition_Invalid_ErrorNamesFileLineRuleAndConstruct(string because, string condition, string[] construct)
    {
        var result = LoadWith($"""
            - rule: Bad Rule
              desc: {because}
              condition: {condition}
              output: bad
              priority: WARNING
              source: k8s_audit
            """);

        var error = AssertError(result, 7, "Bad Rule");
        Assert.All(construct, c => Assert.Contains(c, error.Reason, StringComparison.Ordinal));
        Assert.Contains(result.Rules, r => r.Id == "Good Rule");
    }

    [Theory]
    [InlineData("source: github", "source 'github' is not evaluated: ZtStream runs Falco rules of the sources k8s_audit (Kubernetes audit events), okta (Okta System Log events), gcp_auditlog (GCP Cloud Audit Logs entries), aws_cloudtrail (AWS CloudTrail records), syscall (Tetragon's process execs) only")]
    [InlineData("source: AWS_CloudTrail", "source 'AWS_CloudTrail' is not evaluated")]
    [InlineData("source: Okta", "source 'Okta' is not evaluated")]
    [InlineData("source: Syscall", "source 'Syscall' is not evaluated")]

    // A rule without source is a syscall rule, read from process execs: an audit field there names its own source.
    [InlineData("source: syscall", "field 'ka.verb' is a k8saudit plugin field, read from Kubernetes audit events: a rule of source syscall cannot use it")]
    [InlineData("tags: [k8s]", "field 'ka.verb' is a k8saudit plugin field, read from Kubernetes audit events: a rule of source syscall cannot use it")]
    public void Source_NotEvaluatedOrNotTheFields_IsAnErrorNamingIt(string sourceLine, string reason)
    {
        var result = LoadWith($"""
            - rule: Other Source
              desc: not for audit events
              condition: ka.verb=create
              output: o
              priority: WARNING
              {sourceLine}
            """);

        Assert.Contains(reason, AssertError(result, 7, "Other Source").Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("priority: WARNING\n  source: k8s_audit", "output", "a rule needs output")]
    [InlineData("output: o\n  source: k8s_audit", "priority", "a rule needs priority")]
    [InlineData("output: o\n  priority: SEVERE\n  source: k8s_audit", "priority", "unknown priority 'SEVERE'")]
    [InlineData("output: o\n  priority: WARNING\n  source: k8s_audit\n  enabeld: false", "typo", "unknown key 'enabeld'")]
    [InlineData("output: \"%ka.user.nam\"\n  priority: WARNING\n  source: k8s_audit", "output field", "output: unknown field 'ka.user.nam'")]
    [InlineData("output: o\n  priority: WARNING\n  source: k8s_audit\n  enabled: maybe", "enabled", "'enabled' must be true or false")]
    public void RuleItem_Invalid_ErrorNamesTheKey(string keys, string because, string reason)
    {
        var result = LoadWith($"""
            - rule: Bad Item
              desc: {because}
              condition: ka.verb=create
              {keys}
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal((File, "Bad Item"), (error.File, error.RuleId));
        Assert.InRange(error.Line, 7, 13);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Contains(result.Rules, r => r.Id == "Good Rule");
        Assert.DoesNotContain(result.Rules, r => r.Id == "Bad Item");
    }

    [Theory]
    [InlineData("""
        - rule: Missing
          condition: and ka.verb=delete
          append: true
        """, "'append: true' needs a rule of that name defined before it")]
    [InlineData("""
        - rule: Good Rule
          priority: ERROR
          append: true
        """, "'append: true' can add to condition, output, desc, tags, exceptions, not priority")]
    [InlineData("""
        - rule: Good Rule
          priority: ERROR
          override:
            priority: append
        """, "override 'priority: append' is not allowed")]
    [InlineData("""
        - rule: Good Rule
          condition: and ka.verb=delete
          override:
            output: append
        """, "override names 'output' but the item does not set it")]
    [InlineData("""
        - rule: Good Rule
          condition: and ka.verb=delete
          desc: more
          override:
            condition: append
        """, "sets desc without saying in 'override'")]
    [InlineData("""
        - rule: Good Rule
          condition: and ka.verb=delete
          append: true
          override:
            condition: append
        """, "'append' and 'override' cannot be used together")]
    [InlineData("""
        - rule: Good Rule
          condition: or
          append: true
        """, "condition: expected a blank or '(' after 'or'")]
    [InlineData("""
        - rule: Good Rule
          exceptions:
            - name: new_one
              values: [[alice]]
          append: true
        """, "exception 'new_one' is new to the rule, so it needs 'fields'")]
    public void ChangeToARule_Invalid_TheRuleFailsWithTheChangesLine(string change, string reason)
    {
        var result = Load((File, GoodRule), ("second.yaml", change));

        var error = Assert.Single(result.Errors);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.NotNull(error.RuleId);
        Assert.Equal(error.RuleId == "Missing" ? "second.yaml" : error.Reason.StartsWith("condition", StringComparison.Ordinal) ? File : "second.yaml", error.File);
        Assert.DoesNotContain(result.Rules, r => r.Id == error.RuleId);
    }

    [Theory]
    [InlineData("fields: [ka.user.nme]\n      values: [[alice]]", "exception 'who': unknown field 'ka.user.nme'")]
    [InlineData("fields: [ka.user.name, ka.verb]\n      values: [[alice]]", "exception 'who': a value has 1 items for 2 fields")]
    [InlineData("fields: [ka.user.name]\n      comps: [=, =]\n      values: [[alice]]", "exception 'who': 1 fields but 2 comps")]
    [InlineData("fields: [ka.user.name]\n      comps: [like]\n      values: [[alice]]", "exception 'who': unknown comparison 'like'")]
    [InlineData("fields: [ka.user.name]\n      values: [[[alice, bob]]]", "compared with '=', which takes one value, not a list")]
    [InlineData("values: [[alice]]", "exception 'who' has no fields")]
    [InlineData("fields: [ka.user.name]\n      value: [[alice]]", "unknown key 'value' in an exception")]
    public void Exception_Invalid_ErrorNamesTheException(string body, string reason)
    {
        var result = LoadWith($"""
            - rule: Excepting
              desc: d
              condition: ka.verb=create
              output: o
              priority: WARNING
              source: k8s_audit
              exceptions:
                - name: who
                  {body}
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal((File, "Excepting"), (error.File, error.RuleId));

        // The rule's line, or the offending key's when the item cannot even be read.
        Assert.InRange(error.Line, 7, 16);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Macro_SyntaxError_ReportedOnTheMacro_AndOnEveryRuleUsingIt()
    {
        var result = LoadWith("""
            - macro: broken
              condition: ka.verb = = create
            - rule: Uses Broken
              desc: d
              condition: broken and ka.target.resource=pods
              output: o
              priority: WARNING
              source: k8s_audit
            """);

        var error = AssertError(result, 9, "Uses Broken");
        Assert.Contains("in macro 'broken' (local_rules.yaml:7)", error.Reason, StringComparison.Ordinal);
        Assert.Contains("expected a value after '='", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Macro_UnknownField_RuleErrorNamesMacroAndField()
    {
        var result = LoadWith("""
            - macro: outer
              condition: inner and ka.verb=create
            - macro: inner
              condition: ka.target.resourse=pods
            - rule: Uses Outer
              desc: d
              condition: outer
              output: o
              priority: WARNING
              source: k8s_audit
            """);

        var error = AssertError(result, 11, "Uses Outer");
        Assert.Contains("in macro 'inner' (local_rules.yaml:9): unknown field 'ka.target.resourse'", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Macro_ReferringToItself_IsAnError()
    {
        var result = LoadWith("""
            - macro: a
              condition: b
            - macro: b
              condition: ka.verb=create and a
            - rule: Loops
              desc: d
              condition: a
              output: o
              priority: WARNING
              source: k8s_audit
            """);

        Assert.Contains("refers to itself", AssertError(result, 11, "Loops").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void List_Unreadable_ItemErrorOnTheList_AndRulesUsingItFail()
    {
        var result = LoadWith("""
            - list: admins
              items: alice
            - rule: Admin Action
              desc: d
              condition: ka.user.name in (admins)
              output: o
              priority: WARNING
              source: k8s_audit
            """);

        Assert.Equal(2, result.Errors.Count);
        var list = result.Errors.Single(e => e.RuleId is null);
        Assert.Equal((File, 8), (list.File, list.Line));
        Assert.Contains("list 'admins': 'items' must be a list", list.Reason, StringComparison.Ordinal);
        Assert.Contains("uses list 'admins' (local_rules.yaml:7), which failed to load", AssertErrorFor(result, "Admin Action").Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("- rule: x\n  desc: d\n  condition: \"unterminated\n  output: o\n", 3)]
    [InlineData("- rule: x\n  desc: d\n   condition: y\n", 3)]
    [InlineData("- rule: x\n  condition: [unclosed\n  output: o\n", 1)]
    public void File_NotYaml_ErrorWithLine(string text, int atLeast)
    {
        var error = Assert.Single(Load((File, text)).Errors);

        Assert.Equal(File, error.File);
        Assert.True(error.Line >= atLeast, error.ToString());
        Assert.Contains("not valid YAML", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rule: x\ncondition: y\n", "a YAML sequence")]
    [InlineData("- rulez: x\n", "unknown item (keys: rulez)")]
    [InlineData("- rule: x\n  macro: y\n", "not several")]
    [InlineData("- just a string\n", "each item must be a mapping")]
    [InlineData("- required_plugin_versions:\n  - name: k8saudit\n", "needs a name and a version")]
    public void File_WrongShape_ErrorNamesTheItem(string text, string reason)
    {
        var error = Assert.Single(Load((File, text)).Errors);

        Assert.Equal(File, error.File);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void File_RequiredVersions_Accepted()
    {
        var rules = LoadClean("""
            - required_engine_version: 0.31.0
            - required_plugin_versions:
              - name: k8saudit
                version: 0.7.0
                alternatives:
                  - name: k8saudit-eks
                    version: 0.4.0
              - name: json
                version: 0.7.0
            -
            - rule: Only Rule
              desc: d
              condition: ka.verb=create
              output: o
              priority: INFO
              source: k8s_audit
            """);

        Assert.Equal("Only Rule", Assert.Single(rules).Id);
    }

    [Fact]
    public void Errors_ComeInFileThenLineOrder()
    {
        var result = Load(
            ("a.yaml", "- rule: A1\n  desc: d\n  condition: ka.nope=1\n  output: o\n  priority: INFO\n  source: k8s_audit\n- rule: A2\n  desc: d\n  condition: ka.nope=2\n  output: o\n  priority: INFO\n  source: k8s_audit\n"),
            ("b.yaml", "- rule: B1\n  desc: d\n  condition: ka.nope=3\n  output: o\n  priority: INFO\n  source: k8s_audit\n"));

        Assert.Equal(["a.yaml:1 A1", "a.yaml:7 A2", "b.yaml:1 B1"], result.Errors.Select(e => $"{e.File}:{e.Line} {e.RuleId}"));
        Assert.Equal("a.yaml:1: rule 'A1': unknown field 'ka.nope' (not a k8saudit or json plugin field) (column 1)", result.Errors[0].ToString());
    }

    private static RuleLoadResult LoadWith(string rest) => Load((File, GoodRule + rest));

    private static RuleLoadError AssertError(RuleLoadResult result, int line, string rule)
    {
        var error = Assert.Single(result.Errors);
        Assert.Equal((File, line, rule), (error.File, error.Line, error.RuleId));
        return error;
    }

    private static RuleLoadError AssertErrorFor(RuleLoadResult result, string rule) => Assert.Single(result.Errors, e => e.RuleId == rule);
}
