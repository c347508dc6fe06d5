import { lineSink } from './rabbitmq-link';

describe('lineSink', () => {
  it('writes the message with what the error said, or the message alone without an error', () => {
    const lines: string[] = [];
    const sink = lineSink((line) => lines.push(line));
    sink('Subscription coach.plans failed on task.failed.v1 e1 (delivery 5 of 5); dead-lettering it', new Error('relation "plans" does not exist'));
    sink('RabbitMQ cancelled the consumer of ln.events.coach.plans (queue deleted?)', undefined);
    sink('RabbitMQ blocked publishing', 'not an Error');
    expect(lines).toEqual([
      'Subscription coach.plans failed on task.failed.v1 e1 (delivery 5 of 5); dead-lettering it: relation "plans" does not exist',
      'RabbitMQ cancelled the consumer of ln.events.coach.plans (queue deleted?)',
      'RabbitMQ blocked publishing: not an Error',
    ]);
  });
});
