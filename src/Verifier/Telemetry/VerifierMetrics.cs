using System.Diagnostics.Metrics;
using ZtStream.Verifier.State;

namespace ZtStream.Verifier.Telemetry;

/// <summary>Meter <c>ZtStream.Verifier</c>: the instance's caps (principals tracked, open alerts) and what they did.</summary>
internal sealed class VerifierMetrics
{
    public const string MeterName = "ZtStream.Verifier";

    public VerifierMetrics(IMeterFactory meterFactory, StateBudget budget)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("ztstream.verifier.principals", () => budget.Principals, "{principal}", "Principals tracked by this instance (cap: Verifier:MaxPrincipals)");
        meter.CreateObservableGauge("ztstream.verifier.principals.limit", () => budget.MaxPrincipals, "{principal}", "Verifier:MaxPrincipals");
        meter.CreateObservableCounter("ztstream.verifier.principals.evicted", () => budget.Evicted, "{principal}", "Least recently seen principals evicted past the cap");
        meter.CreateObservableCounter("ztstream.verifier.principals.parked", () => budget.Parked, "{principal}", "Evicted principals whose baselines were parked in the store");
        meter.CreateObservableGauge("ztstream.verifier.alerts.open", () => budget.OpenAlerts, "{alert}", "Open alerts held by this instance (cap: Verifier:MaxOpenAlerts)");
        meter.CreateObservableGauge("ztstream.verifier.alerts.open.limit", () => budget.MaxOpenAlerts, "{alert}", "Verifier:MaxOpenAlerts");
        meter.CreateObservableCounter("ztstream.verifier.alerts.merged", () => budget.AlertsMerged, "{alert}", "New alerts merged into an alert-flood alert past a cap");
    }
}
