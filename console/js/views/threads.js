// Live conversations: their messages and the time until each expires.
// Expired threads read as absent. Every channel's are listed (the API's
// "-" channel) unless the operator names one; the last name stays for
// this tab.
import {listAll, segment} from '../api.js';
import {append, clear, el, errorBox, formatTime, loading, timeUntil, viewHeading} from '../dom.js';

const CHANNEL_KEY = 'opsbrain.console.channel';

function threadCard(thread) {
  const messages = thread.messages || [];
  return el('article', {class: 'card thread', 'data-thread': thread.threadKey},
      el('h4', {}, thread.threadTs ? `Thread ${thread.threadTs}` : 'Channel conversation'),
      el('p', {class: 'muted small'}, `channel ${thread.channelId}`),
      el('p', {class: 'meta'},
          el('span', {class: 'badge'}, `${messages.length} message${messages.length === 1 ? '' : 's'}`),
          el('span', {class: 'badge expiry', title: formatTime(thread.expireTime)},
              `expires in ${timeUntil(thread.expireTime)}`),
          el('span', {class: 'muted small'}, `updated ${formatTime(thread.updateTime)}`)),
      el('ol', {class: 'messages'}, messages.map((message) => {
        const speaker = /^(User|OpsBrain):/.exec(message);
        return el('li', {class: speaker && speaker[1] === 'OpsBrain' ? 'bot' : 'user'}, message);
      })));
}

export async function renderThreads(container, isCurrent) {
  const input = el('input', {id: 'channel', name: 'channel', spellcheck: 'false',
    placeholder: 'all channels', value: sessionStorage.getItem(CHANNEL_KEY) || ''});
  const results = el('div', {class: 'results', 'aria-live': 'polite'});
  const form = el('form', {class: 'inline-form'},
      el('label', {for: 'channel'}, 'Channel ID'), input, el('button', {type: 'submit'}, 'Show threads'));
  append(container, [viewHeading('Threads'), form, results]);

  const show = async () => {
    const channel = input.value.trim();
    sessionStorage.setItem(CHANNEL_KEY, channel);
    const where = channel ? `in ${channel}` : 'in any channel';
    clear(results);
    append(results, [loading(`threads ${where}`)]);
    let threads;
    try {
      threads = await listAll(`/v1/channels/${segment(channel || '-')}/threadContexts`, 'threadContexts');
    } catch (error) {
      if (isCurrent()) clear(results).append(errorBox(error));
      return;
    }
    if (!isCurrent()) return;
    clear(results);
    threads.sort((a, b) => (b.updateTime || '').localeCompare(a.updateTime || ''));
    append(results, [threads.length ?
      [el('p', {class: 'muted'}, `${threads.length} live conversation${threads.length === 1 ? '' : 's'} ${where}.`),
        el('div', {class: 'cards'}, threads.map(threadCard))] :
      el('p', {class: 'muted'}, `No live conversations ${where}.`)]);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    show();
  });
  await show();
}
