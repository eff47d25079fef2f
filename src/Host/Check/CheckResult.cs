namespace ZtStream.Host.Check;

/// <summary>One line of <c>ztstream check</c>: what was tried, whether it worked, and what answered.</summary>
internal sealed record CheckResult(string Area, string Target, bool Ok, string Detail)
{
    public override string ToString() => $"{(Ok ? "ok  " : "FAIL")}  {Area,-14} {Target}: {Detail}";
}
