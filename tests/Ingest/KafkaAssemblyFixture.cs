// One Kafka (or mock cluster) for the whole test assembly: starting one per test class would dominate the run.
[assembly: AssemblyFixture(typeof(KafkaFixture))]
