// Which Neo4j answers: its kernel version and edition (community or enterprise).
CALL dbms.components() YIELD name, versions, edition
WHERE name = 'Neo4j Kernel'
RETURN versions[0] AS version, edition
