"""Starts, checks and stops a real local Neo4j 5.26 community built from Maven Central jars."""
