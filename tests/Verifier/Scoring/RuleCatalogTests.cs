using System.Reflection;

namespace ZtStream.Verifier.Tests.Scoring;

public sealed class RuleCatalogTests
{
    /// <summary>
    /// The Responder checks response policies against <see cref="AlertRules"/>; a rule the Verifier emits but the catalog
    /// lacks would be refused in a policy, and one the catalog lists but nothing emits would never fire.
    /// </summary>
    [Fact]
    public void EveryRuleNameTheVerifierDeclares_IsInTheContractsCatalog_AndNothingElse()
    {
        var declared = new[] { typeof(RuleNames), typeof(IdentitySignals), typeof(AuthenticationDetector), typeof(RuntimeLinks) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Append(AlertBook.FloodRule)
            .ToHashSet();
        var catalog = AlertRules.ByDetector.Where(d => d.Key != Detectors.Responder).SelectMany(d => d.Value).ToHashSet();

        Assert.Empty(declared.Except(catalog));
        Assert.Empty(catalog.Except(declared));
    }
}
