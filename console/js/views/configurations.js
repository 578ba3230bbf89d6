// Configurations by category. A sensitive value is masked: a token without
// the secrets scope receives it empty (valueRedacted), and the console says
// why; with the secrets scope the list's value is dropped at once and one
// value at a time is fetched again and shown on demand.
import {get, listAll, segment} from '../api.js';
import {append, clear, el, errorBox, formatTime, loading, viewHeading} from '../dom.js';

const MASK = '••••••••';

function valueCell(config, reveal) {
  const cell = el('div', {class: 'value', 'data-field': 'value'});
  if (!config.isSensitive) {
    append(cell, [el('code', {class: 'text'}, config.value)]);
    return cell;
  }
  append(cell, [el('span', {class: 'masked', 'aria-label': 'hidden value'}, MASK)]);
  if (config.valueRedacted) {
    append(cell, [el('span', {class: 'muted small'}, ' sensitive: needs the secrets scope')]);
  } else {
    append(cell, [el('button', {type: 'button', class: 'reveal quiet',
      'aria-label': `Reveal ${config.key}`, onclick: () => reveal(config.key, cell)}, 'Reveal')]);
  }
  return cell;
}

export async function renderConfigurations(container, isCurrent) {
  append(container, [viewHeading('Configurations'), loading('configurations')]);
  let configs;
  try {
    configs = await listAll('/v1/configurations', 'configurations');
  } catch (error) {
    if (isCurrent()) container.querySelector('.loading').replaceWith(errorBox(error));
    return;
  }
  // A secrets-scoped token gets sensitive values in the list; the page does
  // not keep them.
  for (const config of configs) {
    if (config.isSensitive) config.value = '';
  }
  if (!isCurrent()) return;
  container.querySelector('.loading').remove();

  // One revealed value at a time: revealing another hides it again.
  let hideRevealed = null;
  const reveal = async (key, cell) => {
    if (hideRevealed) hideRevealed();
    const button = cell.querySelector('button');
    button.disabled = true;
    try {
      const fresh = await get(`/v1/configurations/${segment(key)}`);
      const shown = el('code', {class: 'text revealed'}, fresh.value);
      const hide = el('button', {type: 'button', class: 'quiet', 'aria-label': `Hide ${key}`}, 'Hide');
      const restore = () => {
        const config = configs.find((c) => c.key === key);
        cell.replaceWith(valueCell(config, reveal));
        hideRevealed = null;
      };
      hide.addEventListener('click', restore);
      clear(cell);
      append(cell, [shown, ' ', hide]);
      hideRevealed = restore;
      hide.focus();
    } catch (error) {
      button.disabled = false;
      append(cell, [errorBox(error)]);
    }
  };

  const categories = [...new Set(configs.map((c) => c.category || 'general'))].sort();
  append(container, [el('p', {class: 'muted'}, `${configs.length} configurations in ${categories.length} categories.`)]);
  for (const category of categories) {
    const rows = configs.filter((c) => (c.category || 'general') === category)
        .sort((a, b) => a.key.localeCompare(b.key));
    append(container, [el('section', {class: 'category', 'data-category': category},
        el('h3', {}, category),
        el('div', {class: 'rows', role: 'list'}, rows.map((config) =>
          el('div', {class: 'row', role: 'listitem', 'data-key': config.key},
              el('div', {class: 'key'}, el('strong', {}, config.key),
                  config.isSensitive ? el('span', {class: 'badge warn'}, 'sensitive') : null),
              valueCell(config, reveal),
              el('div', {class: 'muted small'}, config.description || '',
                  config.description ? ' · ' : '', `updated ${formatTime(config.updateTime)}`)))))]);
  }
}
