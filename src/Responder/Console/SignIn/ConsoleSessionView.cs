namespace ZtStream.Responder.Console.SignIn;

/// <summary>A live console session as an admin sees it: who, since when, and when it ends at the latest.</summary>
internal sealed record ConsoleSessionView(string Name, DateTimeOffset SignedInAt, DateTimeOffset ExpiresAt);

/// <summary>The answer to ending a user's console sessions.</summary>
internal sealed record ConsoleSessionsEnded(string Name, int Ended);
