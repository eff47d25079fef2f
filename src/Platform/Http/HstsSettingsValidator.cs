namespace ZtStream.Platform.Http;

/// <summary>Checks section <c>Hsts</c>.</summary>
internal sealed class HstsSettingsValidator : OptionsValidator<HstsSettings, HstsSettingsValidator>, IOptionsRules<HstsSettings>
{
    public static void Check(HstsSettings options, List<string> problems)
    {
        problems.NotNegative($"{HstsSettings.Section}:MaxAge", options.MaxAge);
        if (options.MaxAge > HstsSettings.MaxMaxAge)
        {
            problems.Add($"{HstsSettings.Section}:MaxAge {options.MaxAge} is longer than {HstsSettings.MaxMaxAge.TotalDays:0} days: a mistake there would keep browsers away from plain http for years");
        }
    }
}
