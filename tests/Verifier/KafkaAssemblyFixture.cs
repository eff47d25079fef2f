[assembly: AssemblyFixture(typeof(KafkaFixture))]
