// Before an import (cypher/bundle.py): which of the bundle's runs, collections and registry collections
// ([registry, name]) are already there. What an import finds there it keeps as it is; only what it creates
// gets the bundle's times and users.
RETURN [id IN $run_ids WHERE EXISTS { (:Run {id: id}) }] AS runs,
       [name IN $collections WHERE EXISTS { (:ArtifactCollection {entity: $entity, project: $project, name: name}) }]
         AS collections,
       [pair IN $registries WHERE EXISTS { (:RegistryCollection {entity: $entity, registry: pair[0], name: pair[1]}) }]
         AS registries
