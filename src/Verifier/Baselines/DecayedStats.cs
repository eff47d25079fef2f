namespace ZtStream.Verifier.Baselines;

/// <summary>An exponentially time-decayed mean and variance (event time drives the decay).</summary>
internal struct DecayedStats
{
    public double Weight;
    public double Mean;
    public double Variance;
    public long LastTicks;

    public readonly double StdDev => Math.Sqrt(Variance);

    public void Add(double x, long ticks, double horizonTicks)
    {
        var decay = LastTicks == 0 || ticks <= LastTicks ? 1.0 : Math.Exp(-(ticks - LastTicks) / horizonTicks);
        LastTicks = Math.Max(LastTicks, ticks);
        Weight = (Weight * decay) + 1;
        var a = 1 / Weight;
        var diff = x - Mean;
        Mean += a * diff;
        Variance = (1 - a) * (Variance + (a * diff * diff));
    }

    public void Write(BinaryWriter w)
    {
        w.Write(Weight);
        w.Write(Mean);
        w.Write(Variance);
        w.Write(LastTicks);
    }

    public static DecayedStats Read(BinaryReader r) => new()
    {
        Weight = r.ReadDouble(),
        Mean = r.ReadDouble(),
        Variance = r.ReadDouble(),
        LastTicks = r.ReadInt64(),
    };
}
