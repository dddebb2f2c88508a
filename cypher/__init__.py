"""Translation: GraphQL selections become one Cypher statement with parameters; migrations and execution."""
