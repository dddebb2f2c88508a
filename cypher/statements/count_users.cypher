// How many users exist (none means the server should make the first admin).
MATCH (u:User) RETURN count(u) AS users
