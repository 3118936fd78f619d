/**
 * A DynamoDB table as the date claim uses it (src/private/workflow/run-claim.ts): one item per key, and the claim's
 * condition expressions (`attribute_not_exists(#n)`, `#n = :v`, joined by ` OR `) evaluated for real. A failed
 * condition raises `DynamoDB.ConditionalCheckFailedException`, the name Step Functions' DynamoDB integration gives it
 * ("DynamoDB.ConditionalCheckFailedException" in the developer guide's DynamoDB error examples). Calls are applied
 * one at a time, as DynamoDB documents conditional writes: "If the condition expression evaluates to true, the
 * operation succeeds; otherwise, the operation fails" and "conditional writes are idempotent ... [and] help
 * prevent [concurrent] overwrites" (DynamoDB developer guide, condition expressions, conditional writes), so of two
 * claims of one date at once exactly one succeeds. GetItem with `ConsistentRead` returns the last write; without it
 * the value before the last write: "When you read data from a DynamoDB table, the response might not reflect the
 * results of a recently completed write operation" (developer guide, read consistency; the unkind reading, always).
 */
export class ClaimTable {
  public readonly items = new Map<string, any>();
  /** Each key's value before its last write (`undefined`: there was none), what an eventually consistent read sees. */
  private readonly before = new Map<string, any>();
  /** Every call, in order. */
  public readonly calls: Array<{ action: 'PutItem' | 'GetItem' | 'DeleteItem'; request: any; answer: string }> = [];

  public putItem(request: any): {} {
    const key = this.keyOf(request.Item);
    if (!this.holds(request, this.items.get(key))) {
      this.calls.push({ action: 'PutItem', request, answer: 'ConditionalCheckFailed' });
      throw Object.assign(new Error('The conditional request failed'), { name: 'DynamoDB.ConditionalCheckFailedException' });
    }
    this.before.set(key, this.items.get(key));
    this.items.set(key, request.Item);
    this.calls.push({ action: 'PutItem', request, answer: 'ok' });
    return {};
  }

  public getItem(request: any): any {
    const key = this.keyOf(request.Key);
    const item = request.ConsistentRead === true || !this.before.has(key) ? this.items.get(key) : this.before.get(key);
    this.calls.push({ action: 'GetItem', request, answer: item ? 'item' : 'none' });
    return item ? { Item: item } : {};
  }

  /**
   * DeleteItem with a condition (the egress lock's release, which shares this table in the simulation): "Deletes a
   * single item in a table by primary key. You can perform a conditional delete operation that deletes the item if it
   * exists, or if it has an expected attribute value" (DynamoDB API reference, DeleteItem).
   */
  public deleteItem(request: any): {} {
    const key = this.keyOf(request.Key);
    if (!this.holds(request, this.items.get(key))) {
      this.calls.push({ action: 'DeleteItem', request, answer: 'ConditionalCheckFailed' });
      throw Object.assign(new Error('The conditional request failed'), { name: 'DynamoDB.ConditionalCheckFailedException' });
    }
    this.before.set(key, this.items.get(key));
    this.items.delete(key);
    this.calls.push({ action: 'DeleteItem', request, answer: 'ok' });
    return {};
  }

  /** The string value of the one key attribute that is not `owner`/`startedAt` (the table's partition key). */
  private keyOf(item: any): string {
    const [name] = Object.keys(item).filter(k => !['owner', 'startedAt', 'since'].includes(k));
    return `${name}=${item[name].S}`;
  }

  private holds(request: any, item: any): boolean {
    if (!request.ConditionExpression) return true;
    const names = request.ExpressionAttributeNames ?? {};
    const values = request.ExpressionAttributeValues ?? {};
    return request.ConditionExpression.split(' OR ').some((term: string) => {
      const notExists = /^attribute_not_exists\((#\w+)\)$/.exec(term.trim());
      if (notExists) return item?.[names[notExists[1]]] === undefined;
      const equals = /^(#\w+) = (:\w+)$/.exec(term.trim());
      if (equals) return item?.[names[equals[1]]]?.S !== undefined && item[names[equals[1]]].S === values[equals[2]].S;
      throw new Error(`unsupported condition term ${term}`);
    });
  }
}
