namespace ZtStream.Ingest.Tests.SharedSignals;

/// <summary>
/// The principal a SET's subject names (RFC 9493 subject identifiers, the SSF 1.0 complex subject, and the
/// <c>subject_type</c> of the drafts before them that Google's RISC still sends) is the one the identity adapters key
/// that user by, however the transmitter writes it.
/// </summary>
public sealed class SetSubjectTests
{
    private const string SessionRevoked = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";

    private static AccessEvent Map(string subject, bool inEvent = false)
    {
        var claims = inEvent
            ? """{"iss":"https://idp.example.com/","jti":"j1","iat":1796026800,"events":{""" + $"\"{SessionRevoked}\":{{\"subject\":{subject}}}}}}}"
            : """{"iss":"https://idp.example.com/","jti":"j1","iat":1796026800,"sub_id":""" + subject + $",\"events\":{{\"{SessionRevoked}\":{{}}}}}}";
        using var document = JsonDocument.Parse(claims);
        var set = new ValidatedSet("idp", "https://idp.example.com/", "j1", DateTimeOffset.FromUnixTimeSeconds(1796026800), document.RootElement.Clone());
        return Assert.Single(SetMapper.Map(set, SourceMapOptions.Default, out _));
    }

    /// <summary>RFC 9493 leaves an address's canonical form to the receiver: one user however the transmitter cases it, as Entra's UPNs.</summary>
    [Theory]
    [InlineData("""{"format":"email","email":"Kim.Lee@Contoso.example"}""")]
    [InlineData("""{"format":"email","email":"KIM.LEE@CONTOSO.EXAMPLE"}""")]
    [InlineData("""{"format":"account","uri":"acct:Kim.Lee@Contoso.example"}""")]
    [InlineData("""{"format":"complex","user":{"format":"email","email":"kim.lee@Contoso.Example"},"session":{"format":"opaque","id":"s-1"}}""")]
    [InlineData("""{"format":"aliases","identifiers":[{"format":"iss_sub","iss":"https://idp.example.com/","sub":"3c000000-0000-4000-8000-000000000001"},{"format":"email","email":"Kim.Lee@contoso.example"}]}""")]
    [InlineData("""{"format":"complex","user":{"format":"aliases","identifiers":[{"format":"opaque","id":"3c000000-0000-4000-8000-000000000001"},{"format":"email","email":"KIM.lee@contoso.example"}]}}""")]
    public void Map_AUserNamedByAddress_IsTheUserInLowerCase(string subject)
    {
        var e = Map(subject);

        Assert.Equal("kim.lee@contoso.example", e.Subject?.Id);
        Assert.Equal(EntraMapper.UserName("Kim.Lee@Contoso.example"), e.Subject?.Id);
        Assert.Equal(EventKinds.AuthSessionRevoked, e.Kind);
    }

    /// <summary>
    /// Aliases name one subject several ways: the login among them is the principal and an <c>iss_sub</c> or <c>opaque</c>
    /// alias the provider's id for it; without a login, the first usable alias as written, since an <c>iss_sub</c>'s
    /// <c>sub</c> and an <c>opaque</c> id are opaque and compared as written.
    /// </summary>
    [Fact]
    public void Map_Aliases_AreTheLoginWithTheIdBesideIt_ElseTheFirstUsableAsWritten()
    {
        var withLogin = Map("""{"format":"aliases","identifiers":[{"format":"iss_sub","iss":"https://idp.example.com/","sub":"00u1b2c3d4E5f6G7h8i9"},{"format":"phone_number","phone_number":"+12065550100"},{"format":"email","email":"Noor.Haddad@acme.example"}]}""");
        var withoutLogin = Map("""{"format":"aliases","identifiers":[{"format":"unknown-format"},{"format":"iss_sub","iss":"https://idp.example.com/","sub":"00u1B2c3"},{"format":"opaque","id":"x-2"}]}""");
        var opaque = Map("""{"format":"iss_sub","iss":"https://idp.example.com/","sub":"Jane.Smith@Example.com"}""");

        Assert.Equal(("noor.haddad@acme.example", "00u1b2c3d4E5f6G7h8i9"), (withLogin.Subject?.Id, withLogin.Attr(IdentityAttributes.IdpUserId)));
        Assert.Equal(("00u1B2c3", null), (withoutLogin.Subject?.Id, withoutLogin.Attr(IdentityAttributes.IdpUserId)));
        Assert.Equal("Jane.Smith@Example.com", opaque.Subject?.Id);
    }

    /// <summary>
    /// Google's Cross-Account Protection (RISC) and the drafts before RFC 9493 write <c>subject_type</c>, hyphenated,
    /// not <c>format</c>: the principal is the identifier, never the name of its type.
    /// </summary>
    [Theory]
    [InlineData("""{"subject_type":"iss-sub","iss":"https://accounts.google.com/","sub":"7375626A656374"}""", "7375626A656374", null)]
    [InlineData("""{"subject_type":"email","email":"Ana.Souza@Example.com"}""", "ana.souza@example.com", null)]
    [InlineData("""{"subject_type":"id_token_claims","iss":"https://accounts.google.com/","sub":"10555","email":"Ana.Souza@Example.com"}""", "ana.souza@example.com", "10555")]
    [InlineData("""{"subject_type":"id-token-claims","iss":"https://accounts.google.com/","sub":"10555"}""", "10555", null)]
    public void Map_ADraftSubjectType_NamesTheIdentifier(string subject, string expected, string? userId)
    {
        var e = Map(subject, inEvent: true);

        Assert.Equal(expected, e.Subject?.Id);
        Assert.Equal(userId, e.Attr(IdentityAttributes.IdpUserId));
    }
}
