import React from 'react';

interface Props {
  title: string;
  items: string[];
}

export function List({ title, items }: Props) {
  return (
    <section>
      <h2>{title}</h2>
      <ul>
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    </section>
  );
}

export class Counter extends React.Component<{}, { n: number }> {
  state = { n: 0 };

  increment() {
    this.setState({ n: this.state.n + 1 });
  }

  render() {
    return <button onClick={() => this.increment()}>{this.state.n}</button>;
  }
}

export default List;
