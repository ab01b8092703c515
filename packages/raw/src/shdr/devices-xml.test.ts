import { describe, expect, it } from 'vitest';
import { listDevices, parseDevicesXml } from './devices-xml.ts';

// The shapes of the real NIST Devices.xml: several devices, single and double quotes, attributes in any
// order, a DataItem with a <Source> child, tabs, and (here also) a comment and an entity.
const xml = `<?xml version='1.0' encoding='UTF-8'?>
<MTConnectDevices xmlns='urn:mtconnect.org:MTConnectDevices:1.3'>
  <Devices>
    <Device name='GFAgie01' uuid='mtc_adapter001' id='GFAgie01'>
      <DataItems>
        <DataItem type='AVAILABILITY' category='EVENT' id='GFAgie01-dtop_1' name='avail'/>
        <DataItem type='TEMPERATURE' category='SAMPLE' id='GFAgie01-t' name='Stemp'/>
      </DataItems>
    </Device>
	  <Device id="Mazak01" name="Mazak01" uuid="mtc_adapter002">
        <DataItems>
          <DataItem category="EVENT" id="Mazak01-dtop_1" name="avail" type="AVAILABILITY"/>
        </DataItems>
        <Components>
          <Rotary id="Mazak01-C" name="C">
            <DataItems>
              <DataItem category="SAMPLE" id="Mazak01-C_2" name="Sload" nativeUnits="PERCENT" type="LOAD" units="PERCENT"/>
              <DataItem category="CONDITION" id="Mazak01-C_10" name="Stemp_cond" type="TEMPERATURE"/>
              <!-- <DataItem category="SAMPLE" id="Mazak01-old" name="Stemp_cond"/> -->
  			  <DataItem type='LOAD' category='SAMPLE' id='Mazak01-S_3' name='S1load' units='PERCENT'>
                <Source>S1 &amp; load</Source>
              </DataItem>
              <DataItem category="EVENT" id="Mazak01-path_13" name="execution" type="EXECUTION" x:note="a > b"/>
            </DataItems>
          </Rotary>
        </Components>
      </Device>
    <Device name="Empty01" id="Empty01" uuid="x"/>
  </Devices>
</MTConnectDevices>`;

describe('parseDevicesXml', () => {
  const model = parseDevicesXml(xml, 'Mazak01')!;

  it("reads only the named device's data items", () => {
    expect(model.device).toBe('Mazak01');
    expect(model.items.get('Stemp')).toBeUndefined(); // GFAgie01's
    expect(model.items.get('Sload')).toEqual({
      id: 'Mazak01-C_2',
      name: 'Sload',
      category: 'SAMPLE',
      type: 'LOAD',
    });
  });

  it('finds a data item by name, by id and by <Source>', () => {
    expect(model.items.get('avail')?.category).toBe('EVENT');
    expect(model.items.get('Mazak01-dtop_1')?.name).toBe('avail');
    expect(model.items.get('S1 & load')?.name).toBe('S1load');
    expect(model.items.get('S1load')?.category).toBe('SAMPLE');
  });

  it('ignores comments and copes with > inside an attribute value', () => {
    expect(model.items.get('Stemp_cond')?.category).toBe('CONDITION');
    expect(model.items.get('Mazak01-old')).toBeUndefined();
    expect(model.items.get('execution')?.category).toBe('EVENT');
  });

  it('finds a device by id, an empty device, and no device', () => {
    expect(parseDevicesXml(xml, 'GFAgie01')?.items.get('Stemp')?.category).toBe('SAMPLE');
    expect(parseDevicesXml(xml, 'Empty01')?.items.size).toBe(0);
    expect(parseDevicesXml(xml, 'Mazak03')).toBeUndefined();
  });

  it('lists the devices', () => {
    expect(listDevices(xml)).toEqual(['GFAgie01', 'Mazak01', 'Empty01']);
  });
});
