namespace ZtStream.Responder.Tests.Revocation.SharedSignals;

/// <summary>Subject matching as SSF 1.0 §8.1.3.1 describes it, with the specification's own examples.</summary>
public sealed class SsfSubjectsTests
{
    private static JsonObject J(string json) => JsonNode.Parse(json)!.AsObject();

    [Theory]
    // A less restrictive subject added: the event's extra member does not matter.
    [InlineData("""{"format":"complex","tenant":{"format":"opaque","id":"example-a38h4792-uw2"}}""",
        """{"format":"complex","tenant":{"format":"opaque","id":"example-a38h4792-uw2"},"user":{"format":"email","email":"jdoe@example.com"}}""", true)]
    // A more restrictive subject added: members the event leaves out do not matter.
    [InlineData("""{"format":"complex","user":{"format":"email","email":"jdoe@example.com"},"device":{"format":"ip-addresses","ip-addresses":["10.29.37.75"]}}""",
        """{"format":"complex","user":{"format":"email","email":"jdoe@example.com"}}""", true)]
    // A member both define, different: no match.
    [InlineData("""{"format":"complex","user":{"format":"email","email":"jdoe@example.com"},"group":{"format":"did","url":"did:example:123456"}}""",
        """{"format":"complex","user":{"format":"email","email":"jdoe@example.com"},"group":{"format":"did","url":"did:example:9999999"}}""", false)]
    // Simple subjects: identical, whatever the member order.
    [InlineData("""{"format":"email","email":"a@example.com"}""", """{"email":"a@example.com","format":"email"}""", true)]
    [InlineData("""{"format":"email","email":"a@example.com"}""", """{"format":"email","email":"b@example.com"}""", false)]
    [InlineData("""{"format":"email","email":"a@example.com"}""", """{"format":"iss_sub","iss":"https://idp","sub":"a@example.com"}""", false)]
    // A simple subject and a complex one naming it.
    [InlineData("""{"format":"iss_sub","iss":"https://idp","sub":"u1"}""", """{"format":"complex","user":{"format":"iss_sub","iss":"https://idp","sub":"u1"},"session":{"format":"opaque","id":"s"}}""", true)]
    public void Matches_FollowsTheSpecificationsRules(string listed, string subject, bool expected)
    {
        Assert.Equal(expected, SsfSubjects.Matches(J(listed), J(subject)));
        Assert.Equal(expected, SsfSubjects.Matches(J(subject), J(listed)));
    }
}
