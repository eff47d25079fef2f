namespace ZtStream.Responder.Api;

/// <summary>API roles.</summary>
internal static class ApiRoles
{
    public const string Analyst = "analyst";
    public const string Responder = "responder";
}
