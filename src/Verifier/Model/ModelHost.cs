using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace ZtStream.Verifier.Model;

/// <summary>A trained model as stored: version, when (event time) and the ML.NET model bytes.</summary>
internal sealed record ModelSnapshot(int Version, DateTimeOffset TrainedAt, int Samples, byte[] Bytes)
{
    /// <summary>Reconstruction error above which an event counts as anomalous (calibrated on the training sample).</summary>
    public float Threshold { get; init; } = float.PositiveInfinity;
}

/// <summary>
/// The ML.NET RandomizedPca anomaly model: trained on a benign warm-up window (events that raised no alert),
/// retrained on a schedule of event time. Scoring does not call ML.NET per event: the trained projection
/// (mean, eigenvectors) is read out of the model once and the reconstruction error computed inline, which also
/// tells which features deviated most.
/// </summary>
internal sealed class ModelHost(VerifierOptions options, int seed = 1)
{
    private const int ReservoirCapacity = 20_000;
    private const int Rank = 4;
    private readonly float[][] reservoir = new float[ReservoirCapacity][];
    private readonly Random random = new(seed);
    private long seen;
    private DateTimeOffset firstSeen;
    private Projection? projection;
    private DateTimeOffset trainedAt;
    private DateTimeOffset triedAt;

    public int Version { get; private set; }

    public ModelSnapshot? Latest { get; private set; }

    /// <summary>Raised after each (re)training, for the role to save the model to the store.</summary>
    public event Action<ModelSnapshot>? Trained;

    /// <summary>
    /// Raised when a due training could not make a model of the sample (the reason, the sample's size): scoring goes on
    /// with the model it had, or none, and training is tried again a retraining interval later.
    /// </summary>
    public event Action<string, int>? NotTrained;

    public void Evaluate(float[] features, DateTimeOffset time, List<Contribution> output)
    {
        var p = projection;
        if (p is null)
        {
            return;
        }

        Span<float> residual = stackalloc float[features.Length];
        var error = p.Residual(features, residual);
        if (error <= p.Threshold)
        {
            return;
        }

        int first = 0, second = 1;
        for (var i = 0; i < residual.Length; i++)
        {
            if (MathF.Abs(residual[i]) > MathF.Abs(residual[first]))
            {
                second = first;
                first = i;
            }
            else if (i != first && MathF.Abs(residual[i]) > MathF.Abs(residual[second]))
            {
                second = i;
            }
        }

        var ratio = error / p.Threshold;
        output.Add(new(Detectors.Model, RuleNames.Reconstruction, (int)Math.Min(45, 20 + (5 * ratio)),
            $"PCA reconstruction error {Numbers.One(ratio)}× the benign 99.9th percentile (model v{Numbers.Int(Version)}); most deviant: {ModelFeatures.Names[first]} {Numbers.One(features[first])} (benign mean {Numbers.One(p.Mean[first])}), {ModelFeatures.Names[second]} {Numbers.One(features[second])} (benign mean {Numbers.One(p.Mean[second])})"));
    }

    public void Observe(float[] features, DateTimeOffset time, bool alerted)
    {
        if (firstSeen == default)
        {
            firstSeen = time;
        }

        if (!alerted)
        {
            // Reservoir sampling keeps a uniform sample of benign traffic in fixed memory.
            seen++;
            var slot = seen <= ReservoirCapacity ? (int)seen - 1 : random.NextInt64(seen) is var j && j < ReservoirCapacity ? (int)j : -1;
            if (slot >= 0)
            {
                var v = reservoir[slot] ??= new float[features.Length];
                features.CopyTo(v, 0);
            }
        }

        // A training that failed waits a retraining interval like one that succeeded: not tried again on every event.
        var due = triedAt > trainedAt
            ? time - triedAt >= options.ModelRetrainInterval
            : projection is null ? time - firstSeen >= options.ModelWarmUp : time - trainedAt >= options.ModelRetrainInterval;
        if (due && seen >= 200)
        {
            Train(time);
        }
    }

    /// <summary>
    /// Trains on the benign sample and installs the model; returns false, keeping the model it had, when the sample
    /// cannot make one (<see cref="NotTrained"/> says why).
    /// </summary>
    public bool Train(DateTimeOffset time)
    {
        triedAt = time;
        var n = (int)Math.Min(seen, ReservoirCapacity);
        var rows = new List<FeatureRow>(n);
        for (var i = 0; i < n; i++)
        {
            rows.Add(new FeatureRow { Features = (float[])reservoir[i].Clone() });
        }

        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows, SchemaDefinition());
        var trainer = ml.AnomalyDetection.Trainers.RandomizedPca(featureColumnName: nameof(FeatureRow.Features), rank: Rank, ensureZeroMean: true);
        ITransformer model;
        PcaModelParameters parameters;
        try
        {
            // Traffic with less variety than the projection's rank (every benign event alike: one service polling one
            // endpoint, a replayed file of near-identical records) has no such projection: the trainer refuses it
            // (its eigenvectors come out NaN). That is the sample's nature, not a fault to stop scoring for.
            var fitted = trainer.Fit(data);
            (model, parameters) = (fitted, fitted.Model);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            NotTrained?.Invoke(ex.Message, n);
            return false;
        }

        var previous = projection;
        Install(parameters, rows);
        if (!projection!.IsFinite)
        {
            projection = previous;
            NotTrained?.Invoke("the learnt projection or its threshold is not finite", n);
            return false;
        }

        using var ms = new MemoryStream();
        ml.Model.Save(model, data.Schema, ms);
        trainedAt = time;
        Version++;
        Latest = new ModelSnapshot(Version, time, n, ms.ToArray()) { Threshold = projection.Threshold };
        Trained?.Invoke(Latest);
        return true;
    }

    /// <summary>Loads a stored model (after a restart) so scoring resumes with it.</summary>
    public void Load(ModelSnapshot snapshot, IReadOnlyList<float[]>? calibration = null)
    {
        var ml = new MLContext(seed: 1);
        using var ms = new MemoryStream(snapshot.Bytes);
        var transformer = ml.Model.Load(ms, out _);
        // A loaded transformer is typed by what the file says, not by the generic it was saved as.
        var last = transformer is TransformerChain<ITransformer> chain ? chain.LastTransformer : transformer;
        if (last is not IPredictionTransformer<object> { Model: PcaModelParameters pca })
        {
            throw new InvalidDataException("stored model is not a RandomizedPca anomaly model");
        }

        Install(pca, calibration?.Select(c => new FeatureRow { Features = c }).ToList() ?? []);
        if (calibration is null or { Count: 0 })
        {
            projection = projection! with { Threshold = snapshot.Threshold };
        }

        Version = snapshot.Version;
        trainedAt = snapshot.TrainedAt;
        Latest = snapshot;
    }

    private void Install(PcaModelParameters model, List<FeatureRow> calibration)
    {
        VBuffer<float> mean = default;
        model.GetMean(ref mean);
        VBuffer<float>[] vectors = [];
        model.GetEigenVectors(ref vectors, out var rank);
        var d = ModelFeatures.Count;
        var m = new float[d];
        mean.CopyTo(m);
        var basis = new float[rank][];
        for (var i = 0; i < rank; i++)
        {
            basis[i] = new float[d];
            vectors[i].CopyTo(basis[i]);
        }

        var p = new Projection(m, basis, float.PositiveInfinity);
        if (calibration.Count > 0)
        {
            var errors = new float[calibration.Count];
            Span<float> residual = stackalloc float[d];
            for (var i = 0; i < errors.Length; i++)
            {
                errors[i] = p.Residual(calibration[i].Features, residual);
            }

            Array.Sort(errors);
            var q = errors[Math.Min(errors.Length - 1, (int)(errors.Length * 0.999))];
            p = p with { Threshold = Math.Max(q * 1.5f, 1f) };
        }

        projection = p;
    }

    private static SchemaDefinition SchemaDefinition()
    {
        var schema = Microsoft.ML.Data.SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, ModelFeatures.Count);
        return schema;
    }

    private sealed record Projection(float[] Mean, float[][] Basis, float Threshold)
    {
        /// <summary>Whether the mean, every basis vector and the threshold are finite numbers (a degenerate sample's are not).</summary>
        public bool IsFinite =>
            float.IsFinite(Threshold) && Array.TrueForAll(Mean, float.IsFinite) && Array.TrueForAll(Basis, b => Array.TrueForAll(b, float.IsFinite));

        /// <summary>Squared reconstruction error; <paramref name="residual"/> gets the per-feature remainder.</summary>
        public float Residual(float[] x, Span<float> residual)
        {
            for (var i = 0; i < residual.Length; i++)
            {
                residual[i] = x[i] - Mean[i];
            }

            foreach (var b in Basis)
            {
                var dot = 0f;
                for (var i = 0; i < residual.Length; i++)
                {
                    dot += residual[i] * b[i];
                }

                for (var i = 0; i < residual.Length; i++)
                {
                    residual[i] -= dot * b[i];
                }
            }

            var sum = 0f;
            foreach (var r in residual)
            {
                sum += r * r;
            }

            return sum;
        }
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}
