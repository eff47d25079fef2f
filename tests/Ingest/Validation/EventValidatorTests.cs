namespace ZtStream.Ingest.Tests.Validation;

public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static EventValidator Validator(IngestOptions? options = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options ?? new IngestOptions()), new FakeTimeProvider(Now));

    private static (ZtStream.Contracts.Events.AccessEvent? Event, List<ItemError> Errors) Parse(string json, IngestOptions? options = null)
    {
        using var document = JsonDocument.Parse(json);
        var errors = new List<ItemError>();
        return (Validator(options).Parse(document.RootElement, 7, string.Empty, errors), errors);
    }

    /// <summary>The one error of an item that is refused: no event, and nothing else said about it.</summary>
    private static ItemError RefusedOnce(string json)
    {
        var (e, errors) = Parse(json);

        Assert.Null(e);
        return Assert.Single(errors);
    }

    [Theory]
    [InlineData("""{"id":"v1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""", true)]
    [InlineData("""{ "kind":"access.data", "subject":{"id":"bob","foo":1}, "time":"2026-11-28T11:59:00Z", "id":"v1", "schema":1 }""", true)]
    [InlineData("""{"id":"v1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"source":"forged"}""", false)]
    [InlineData("""{"id":"v1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"source":null}""", false)]
    [InlineData("""{"id":"v1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"ticket":"INC-1"}""", false)]
    public void Parse_Verbatim_OnlyWhenTheItemsOwnJsonReadsBackAsTheEvent(string json, bool verbatim)
    {
        using var document = JsonDocument.Parse(json);
        var errors = new List<ItemError>();

        var e = Validator().Parse(document.RootElement, 0, string.Empty, errors, out var forwardable);

        Assert.Empty(errors);
        Assert.Equal(verbatim, forwardable);
        if (verbatim)
        {
            // What Ingest appends: the item's bytes with the stamped source first, read as the contract reads records.
            var stamped = ZtStream.Ingest.Endpoints.EventAppender.Stamped(System.Text.Encoding.UTF8.GetBytes(json), "\"source\":\"src\","u8);
            var read = ZtStream.Contracts.Serialization.ContractJson.DeserializeEvent(stamped);
            Assert.Equal(
                System.Text.Encoding.UTF8.GetString(ZtStream.Contracts.Serialization.ContractJson.Serialize(e! with { Source = "src" })),
                System.Text.Encoding.UTF8.GetString(ZtStream.Contracts.Serialization.ContractJson.Serialize(read)));
        }
    }

    /// <summary>
    /// An id or a name with a control character keys a principal no person has, is shown again in the console and logs, and
    /// — with a NUL — cannot be stored in PostgreSQL at all, so the alert it raises was dead-lettered, never queued: every
    /// one is refused by field, whichever id carries it, and a user agent (evidence as sent) keeps it.
    /// </summary>
    [Theory]
    [InlineData("id", """{"id":"v\u0000","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""", "U+0000 at position 1")]
    [InlineData("subject.id", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"user:ceo@corp.example\u0000@shop.example"}}""", "U+0000 at position 21")]
    [InlineData("subject.id", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"dana\u001b[2K@x.io","claim":"email"}}""", "U+001B at position 4")]
    [InlineData("workload.namespace", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","workload":{"id":"shop/a","namespace":"shop\n"}}""", "U+000A at position 4")]
    [InlineData("token.jti", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"token":{"jti":"\u0085j"}}""", "U+0085 at position 0")]
    [InlineData("attributes.k8s.cluster", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"attributes":{"k8s.cluster":"prod\u007f"}}""", "U+007F at position 4")]
    public void Parse_ControlCharacterInAnIdOrName_IsRefusedNamingTheFieldAndWhere(string field, string json, string where)
    {
        var error = RefusedOnce(json);

        Assert.Equal((7, field), (error.Index, error.Field));
        Assert.Equal($"must not hold a control character: {where}", error.Reason);
    }

    /// <summary>
    /// A canonical event's sender chose its shape and can fix it: an id or a name with a bidi override, isolate or mark, a
    /// zero-width space, a word joiner or a byte order mark (which make one principal read as another in the console) is
    /// refused as a control character is, by field, naming the code point and where it is — raw or JSON-escaped alike.
    /// </summary>
    [Theory]
    [InlineData("subject.id", "{\"id\":\"v\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"alice\u202Etxt.exe\"}}", "U+202E at position 5")]
    [InlineData("subject.id", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"ad\u200bmin"}}""", "U+200B at position 2")]
    [InlineData("id", "{\"id\":\"\uFEFFv\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\"}}", "U+FEFF at position 0")]
    [InlineData("workload.name", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","workload":{"id":"shop/a","name":"a\u2066b\u2069"}}""", "U+2066 at position 1")]
    [InlineData("resource.id", "{\"id\":\"v\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\"},\"resource\":{\"id\":\"\u061C/db\"}}", "U+061C at position 0")]
    [InlineData("subject.tenant", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob","tenant":"t\u200f"}}""", "U+200F at position 1")]
    [InlineData("attributes.k8s.cluster", "{\"id\":\"v\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\"},\"attributes\":{\"k8s.cluster\":\"pr\u2060od\"}}", "U+2060 at position 2")]
    public void Parse_InvisibleOrBidiCharacterInAnIdOrName_IsRefusedNamingTheCodePointAndWhere(string field, string json, string where)
    {
        var error = RefusedOnce(json);

        Assert.Equal((7, field), (error.Index, error.Field));
        Assert.Equal($"must not hold an invisible or bidirectional formatting character: {where}", error.Reason);
    }

    [Fact]
    public void Parse_AJoinerInAName_IsKept()
    {
        var (e, errors) = Parse("""{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"user:\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"}}""");

        Assert.Empty(errors);
        Assert.Equal("user:می\u200Cخواهم", e!.Subject!.Id);
    }

    /// <summary>
    /// A source adapter's event keeps every name: each hidden character is written as its escape, the escaped fields are
    /// listed, and the event then passes the checks a canonical event would fail. One with nothing hidden is left as it is.
    /// </summary>
    [Fact]
    public void Escaped_AnAdaptersEventWithHiddenCharacters_IsEscapedListedAndPassesTheCheck()
    {
        var raw = JsonDocument.Parse("""{"user":{"username":"evil\u0000admin"}}""").RootElement.Clone();
        var e = new ZtStream.Contracts.Events.AccessEvent
        {
            Id = "k-1",
            Time = Now,
            Kind = "k8s.audit",
            Subject = new() { Id = "evil\u0000admin", Type = "user" },
            Workload = new() { Id = "shop/web\u202E", Namespace = "shop" },
            Resource = new() { Type = "secrets", Id = "shop/x\u0001y" },
            Attributes = new() { ["k8s.cluster"] = JsonDocument.Parse("\"prod\\u200b\"").RootElement.Clone(), ["team"] = JsonDocument.Parse("\"a\\nb\"").RootElement.Clone() },
            Raw = raw,
        };

        var escaped = EventValidator.Escaped(e);

        Assert.Equal(@"evil\u0000admin", escaped.Subject!.Id);
        Assert.Equal(@"shop/web\u202E", escaped.Workload!.Id);
        Assert.Equal("shop", escaped.Workload.Namespace);
        Assert.Equal(@"shop/x\u0001y", escaped.Resource!.Id);
        Assert.Equal(@"prod\u200B", escaped.Attributes!["k8s.cluster"].GetString());
        Assert.Equal("a\nb", escaped.Attributes["team"].GetString());
        Assert.Equal(["subject.id", "workload.id", "resource.id", "attributes.k8s.cluster"],
            escaped.Attributes["ingest.escaped"].EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("evil\u0000admin", escaped.Raw!.Value.GetProperty("user").GetProperty("username").GetString());
        Assert.NotEqual("eviladmin", escaped.PrincipalKey);
        Assert.True(Validator().Check(escaped, 0, string.Empty, []));
        Assert.False(Validator().Check(e, 0, string.Empty, []));

        var clean = e with { Subject = new() { Id = "bob" }, Workload = null, Resource = null, Attributes = null };
        Assert.Same(clean, EventValidator.Escaped(clean));
    }

    [Fact]
    public void Parse_ControlCharacterInTheUserAgentOrAnAttribute_IsKept()
    {
        var (e, errors) = Parse("""{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"user_agent":"curl\t8","attributes":{"note":"a\nb"}}""");

        Assert.Empty(errors);
        Assert.Equal("curl\t8", e!.UserAgent);
    }

    [Fact]
    public void Parse_MinimalEventWithWorkloadOnly_IsAcceptedWithSchemaOne()
    {
        var (e, errors) = Parse("""{"id":"w1","time":"2026-11-28T11:59:00Z","kind":"access.data","workload":{"id":"shop/cart-1"}}""");

        Assert.Empty(errors);
        Assert.Equal(1, e!.Schema);
        Assert.Equal("shop/cart-1", e.PrincipalKey);
    }

    [Fact]
    public void Parse_EveryMissingRequiredField_IsListedForTheItem()
    {
        var (e, errors) = Parse("""{"subject":{"type":"user"},"schema":2}""");

        Assert.Null(e);
        Assert.All(errors, error => Assert.Equal(7, error.Index));
        Assert.Equal(["id", "time", "kind", "schema", "subject.id"], errors.Select(x => x.Field));
    }

    [Theory]
    [InlineData("""{"id":5,"time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"}}""", "id", "must be a string")]
    [InlineData("""{"id":"a","time":"noon","kind":"k","subject":{"id":"a"}}""", "time", "RFC 3339")]
    [InlineData("""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":"alice"}""", "subject", "must be an object")]
    [InlineData("""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"},"bytes":"many"}""", "bytes", "wrong type")]
    [InlineData("""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"},"token":{"issued_at":3}}""", "token.issued_at", "wrong type")]
    [InlineData("""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"},"bytes":-1}""", "bytes", "negative")]
    [InlineData("""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"},"network":{"dst_port":70000}}""", "network.dst_port", "65535")]
    [InlineData("""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"},"attributes":[1]}""", "attributes", "must be an object")]
    [InlineData("""[1,2]""", "$", "expected an event object")]
    public void Parse_BadField_NamesFieldAndReason(string json, string field, string reason)
    {
        var error = RefusedOnce(json);

        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AttributesOverTheLimit_AreRefused()
    {
        var big = new string('v', 400);
        var (e, errors) = Parse($$"""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"},"note":"{{big}}"}""", new IngestOptions { MaxAttributesBytes = 256 });

        Assert.Null(e);
        Assert.Equal("attributes", Assert.Single(errors).Field);
    }

    [Fact]
    public void Parse_UnknownFieldsAndNanosecondTime_AreKept()
    {
        var (e, errors) = Parse("""{"id":"a","time":"2026-11-28T11:59:00.123456789Z","kind":"k","subject":{"id":"a"},"geo":{"country":"NL"},"attributes":{"geo":"kept-first"}}""");

        Assert.Empty(errors);
        // An explicit attribute wins over an unknown top-level field of the same name.
        Assert.Equal("kept-first", e!.Attributes!["geo"].GetString());
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 11, 59, 0, TimeSpan.Zero).AddTicks(1234567), e.Time);
    }

    /// <summary>RFC 3339 §5.6 NOTE: the <c>T</c> and <c>Z</c> may be lower case; the event log gets them upper case.</summary>
    [Theory]
    [InlineData("2026-11-28t11:59:00z")]
    [InlineData("2026-11-28T11:59:00z")]
    [InlineData("2026-11-28t11:59:00.5+00:00")]
    public void Parse_LowerCaseTAndZ_IsAcceptedAndNotForwardedAsItCame(string time)
    {
        var json = $$$"""{"id":"a","time":"{{{time}}}","kind":"k","subject":{"id":"a"},"token":{"expires_at":"{{{time}}}"}}""";
        using var document = JsonDocument.Parse(json);
        var errors = new List<ItemError>();

        var e = Validator().Parse(document.RootElement, 0, string.Empty, errors, out var forwardable);

        Assert.Empty(errors);
        Assert.False(forwardable);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 11, 59, 0, TimeSpan.Zero), e!.Time.AddTicks(-e.Time.Ticks % TimeSpan.TicksPerSecond));
        Assert.Equal(e.Time, e.Token!.ExpiresAt);
        Assert.Contains("\"time\":\"2026-11-28T11:59:00", System.Text.Encoding.UTF8.GetString(ZtStream.Contracts.Serialization.ContractJson.Serialize(e)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$.token.issued_at", "token.issued_at")]
    [InlineData("$", "$")]
    [InlineData(null, "$")]
    [InlineData("$['odd name']", "odd name")]
    public void FieldOf_JsonPath_IsDotted(string? path, string field) => Assert.Equal(field, EventValidator.FieldOf(path));
}
