-- Argo CD health check for migrations.vectis.dev/SchemaMigration.
-- Healthy: Ready=True for the current generation. Degraded: Stalled=True (a person must act).
-- Suspended: a plan waits for a person's approval (Ready=False, reason AwaitingApproval).
-- Progressing: anything else, including a status not yet written for the current generation.
local hs = {}
local generation = obj.metadata and obj.metadata.generation
local status = obj.status
if status == nil or status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
  return hs
end
if generation ~= nil and status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end
local reconciling = nil
for _, condition in ipairs(status.conditions) do
  if condition.type == "Stalled" and condition.status == "True" then
    hs.status = "Degraded"
    hs.message = (condition.reason or "Stalled") .. ": " .. (condition.message or "")
    return hs
  end
  if condition.type == "Reconciling" and condition.status == "True" then
    reconciling = condition
  end
end
for _, condition in ipairs(status.conditions) do
  if condition.type == "Ready" and condition.status == "True" then
    hs.status = "Healthy"
    hs.message = condition.message or "Ready"
    return hs
  end
  if condition.type == "Ready" and condition.reason == "AwaitingApproval" then
    hs.status = "Suspended"
    hs.message = "AwaitingApproval: " .. (condition.message or "")
    return hs
  end
end
hs.status = "Progressing"
if reconciling ~= nil then
  hs.message = (reconciling.reason or "Reconciling") .. ": " .. (reconciling.message or "")
else
  hs.message = "Migrating"
end
return hs
