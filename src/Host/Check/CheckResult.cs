namespace ZtStream.Host.Check;

/// <summary>
/// One line of <c>ztstream check</c>: what was tried, whether it worked, and what answered. A warning worked (it fails
/// nothing) but says what will not work as the operator likely meant.
/// </summary>
internal sealed record CheckResult(string Area, string Target, bool Ok, string Detail, bool Warning = false)
{
    public override string ToString() => $"{(Warning ? "warn" : Ok ? "ok  " : "FAIL")}  {Area,-14} {Target}: {Detail}";
}
