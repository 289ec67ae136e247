import { AssignerProtocol, type Admin, type GroupDescription, type KafkaClient } from '@choreo/kafka';

import { compareText } from './declarations';
import type { ClusterState, LiveGroup } from './drift';

/**
 * Group protocol types read by the comparison: `consumer` for groups with members, and the empty
 * string Kafka reports for a group that has only committed offsets. Kafka Connect and other
 * protocols encode their members differently and are skipped.
 */
const CONSUMER_PROTOCOL_TYPES = new Set(['consumer', '']);

/** Reads the topics and the consumer groups of the cluster, with what each group subscribes to. */
export async function readClusterState(kafka: KafkaClient): Promise<ClusterState> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = new Set(await admin.listTopics());
    const { groups: listed } = await admin.listGroups();
    const groupIds = listed
      .filter((group) => CONSUMER_PROTOCOL_TYPES.has(group.protocolType))
      .map((group) => group.groupId)
      .sort(compareText);
    const { groups: described } =
      groupIds.length === 0 ? { groups: [] } : await admin.describeGroups(groupIds);

    const groups: LiveGroup[] = [];
    for (const description of described) {
      // A group deleted between the list and the describe request comes back as Dead.
      if (description.state === 'Dead') continue;
      groups.push(await readGroup(admin, description));
    }
    return { topics, groups };
  } finally {
    await admin.disconnect();
  }
}

async function readGroup(admin: Admin, description: GroupDescription): Promise<LiveGroup> {
  // NOTE: the union of all members' subscriptions is compared. During a rolling deploy members may
  // subscribe differently, and a topic that only some of them read is then not reported.
  const subscribed = new Set<string>();
  for (const member of description.members) {
    for (const topic of subscriptionOf(member.memberMetadata, member.memberAssignment)) subscribed.add(topic);
  }

  // Offsets are only read for groups without members, which cannot report their subscriptions.
  let committedTopics: string[] = [];
  if (description.members.length === 0) {
    const offsets = await admin.fetchOffsets({ groupId: description.groupId });
    committedTopics = offsets
      .filter(({ partitions }) => partitions.some(({ offset }) => Number(offset) >= 0))
      .map(({ topic }) => topic)
      .sort(compareText);
  }

  return {
    groupId: description.groupId,
    memberCount: description.members.length,
    subscribedTopics: [...subscribed].sort(compareText),
    committedTopics,
  };
}

/**
 * Returns the topics a member subscribes to, from the metadata it sent when it joined. When that
 * cannot be decoded, the topics of its partition assignment stand in, which leave out a subscribed
 * topic that got no partition.
 */
function subscriptionOf(metadata: Buffer, assignment: Buffer): string[] {
  try {
    const decoded = AssignerProtocol.MemberMetadata.decode(metadata);
    if (decoded !== null && decoded.topics.length > 0) return decoded.topics;
  } catch {
    // Not the consumer protocol's layout (version, topics, user data); the assignment below is the fallback.
  }
  try {
    const decoded = AssignerProtocol.MemberAssignment.decode(assignment);
    return decoded === null ? [] : Object.keys(decoded.assignment);
  } catch {
    // An assignment in an unknown layout names no topics this command can read.
    return [];
  }
}
