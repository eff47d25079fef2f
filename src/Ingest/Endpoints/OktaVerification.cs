namespace ZtStream.Ingest.Endpoints;

/// <summary>The answer to Okta's event hook verification request: the challenge, echoed.</summary>
internal sealed record OktaVerification(string Verification);
